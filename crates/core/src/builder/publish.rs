//! Publishing an edited survey: whether it needs a new version, which number, and what happens
//! to the ballots already cast, in words for the organiser.
//!
//! The rules are the collector's (`PUT /v1/surveys/{id}` in `crates/collector`): a version already
//! published may only be sent again unchanged (its content hash is [`survey_hash`]); a changed
//! survey needs a higher version; ballots keep the version they answered, and the tally counts
//! one version, so while ballots of another version are stored the collector asks for an
//! explicit confirmation before it publishes.

use super::{filled, BuilderKey};
use crate::export::survey_hash;
use crate::survey::{Survey, Text};

/// What publishing the draft will do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishPlan {
    /// The version number to publish with (set it on the survey before sending).
    pub version: u32,
    /// Whether this is a new version (or a first publication); false when nothing changed.
    pub new_version: bool,
    /// Ballots stored for versions other than `version` that the tally will leave out.
    pub ballots_left_out: u64,
    /// Whether the collector will ask for confirmation (ballots of another version are stored).
    pub needs_confirmation: bool,
    /// What happens, for the organiser, in both languages.
    pub explanation: Text,
}

/// Plans the publication of `draft` over `published` (the latest published version, if any),
/// given the ballots stored per version (`(version, count)`, as the collector's
/// `ballot_versions`).
pub fn plan_publish(
    published: Option<&Survey>,
    draft: &Survey,
    ballots_per_version: &[(u32, u64)],
) -> PublishPlan {
    let first = |version: u32, key: BuilderKey, args: &[(&str, &str)]| {
        let (zh, en) = filled(key, args);
        PublishPlan {
            version,
            new_version: true,
            ballots_left_out: 0,
            needs_confirmation: false,
            explanation: Text { zh, en: Some(en) },
        }
    };
    let Some(published) = published else {
        let version = draft.version.max(1);
        return first(
            version,
            BuilderKey::PublishFirst,
            &[("version", &version.to_string())],
        );
    };
    if published.id != draft.id {
        let version = draft.version.max(1);
        return first(
            version,
            BuilderKey::PublishOtherSurvey,
            &[
                ("version", &version.to_string()),
                ("id", &draft.id),
                ("old", &published.id),
            ],
        );
    }
    let mut same_version = draft.clone();
    same_version.version = published.version;
    if survey_hash(&same_version) == survey_hash(published) {
        let (zh, en) = filled(
            BuilderKey::PublishUnchanged,
            &[("version", &published.version.to_string())],
        );
        return PublishPlan {
            version: published.version,
            new_version: false,
            ballots_left_out: 0,
            needs_confirmation: false,
            explanation: Text { zh, en: Some(en) },
        };
    }
    let version = draft.version.max(published.version.saturating_add(1));
    let version_s = version.to_string();
    let others: Vec<(u32, u64)> = ballots_per_version
        .iter()
        .copied()
        .filter(|(v, n)| *v != version && *n > 0)
        .collect();
    let total: u64 = others.iter().map(|(_, n)| n).sum();
    let (mut zh, mut en) = filled(
        BuilderKey::PublishNewVersion,
        &[
            ("version", &version_s),
            ("old", &published.version.to_string()),
        ],
    );
    let (more_zh, more_en) = if others.is_empty() {
        filled(BuilderKey::PublishNoOtherBallots, &[])
    } else {
        let counts: Vec<(String, String)> = others
            .iter()
            .map(|(v, n)| {
                filled(
                    BuilderKey::PublishVersionCount,
                    &[("version", &v.to_string()), ("n", &n.to_string())],
                )
            })
            .collect();
        let (sep_zh, sep_en) = filled(BuilderKey::PublishListSeparator, &[]);
        let list_zh: Vec<&str> = counts.iter().map(|(z, _)| z.as_str()).collect();
        let list_en: Vec<&str> = counts.iter().map(|(_, e)| e.as_str()).collect();
        let w = crate::i18n::Table::words(BuilderKey::PublishOtherBallots);
        let total_s = total.to_string();
        (
            super::fill(
                w.zh,
                &[
                    ("list", &list_zh.join(&sep_zh)),
                    ("version", &version_s),
                    ("total", &total_s),
                ],
            ),
            super::fill(
                w.en,
                &[
                    ("list", &list_en.join(&sep_en)),
                    ("version", &version_s),
                    ("total", &total_s),
                ],
            ),
        )
    };
    zh.push_str(&more_zh);
    en.push(' ');
    en.push_str(&more_en);
    PublishPlan {
        version,
        new_version: true,
        ballots_left_out: total,
        needs_confirmation: !others.is_empty(),
        explanation: Text { zh, en: Some(en) },
    }
}
