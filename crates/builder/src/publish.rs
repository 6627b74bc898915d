//! What the builder reads from the collector before publishing, and the links it prints after:
//! the ballots stored per survey version (from the tally's `participation`, which counts the
//! latest version and lists the others in `other_versions`), and the resident, kiosk, projector
//! and code-slip addresses of a published survey. Pure and tested natively; the decision what
//! publishing does is core's `plan_publish`.

use pingyi_core::tally::Tally;

/// The ballots stored per version, `(version, count)`, from the text of
/// `GET /v1/surveys/{id}/tally`. Paper totals are not stored ballots and are left out.
pub fn ballots_per_version(tally_json: &str) -> Result<Vec<(u32, u64)>, String> {
    let tally: Tally = serde_json::from_str(tally_json).map_err(|e| e.to_string())?;
    let p = &tally.participation;
    let mut out = vec![(
        tally.survey_version,
        p.ballots.saturating_sub(p.paper_totals_ballots),
    )];
    out.extend(
        p.other_versions
            .iter()
            .map(|v| (v.survey_version, v.ballots)),
    );
    out.retain(|(_, n)| *n > 0);
    Ok(out)
}

/// The addresses of a published survey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Links {
    /// The residents' page: `/?s=<id>`.
    pub resident: String,
    /// The shared tablet: `/kiosk/?s=<id>`.
    pub kiosk: String,
    /// The meeting's screen: `/console/?s=<id>&view=projector`.
    pub projector: String,
    /// The ballot-code slips, when the survey uses codes.
    pub codes: Option<String>,
}

/// The links of survey `id` on the collector at `base`.
pub fn links(base: &str, id: &str, codes: bool) -> Links {
    let base = base.trim().trim_end_matches('/');
    let id = encode(id);
    Links {
        resident: format!("{base}/?s={id}"),
        kiosk: format!("{base}/kiosk/?s={id}"),
        projector: format!("{base}/console/?s={id}&view=projector"),
        codes: codes.then(|| format!("{base}/console/?s={id}&view=codes")),
    }
}

/// `text` with every byte outside the unreserved URL characters percent-encoded.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_from_a_tally() {
        let json = r#"{"survey_id":"s","survey_version":2,
            "participation":{"ballots":5,"by_channel":{},"ignored_other_survey":3,
              "other_versions":[{"survey_version":1,"ballots":3}],"duplicates_dropped":0,
              "eligible":null,"rate":null,"quorum_percent":50,"quorum_reached":null,
              "over_eligible":false},
            "questions":[]}"#;
        assert_eq!(ballots_per_version(json).unwrap(), vec![(2, 5), (1, 3)]);
        let none = json.replace("\"ballots\":5", "\"ballots\":0");
        assert_eq!(ballots_per_version(&none).unwrap(), vec![(1, 3)]);
        assert!(ballots_per_version("{").is_err());
    }

    #[test]
    fn launch_links() {
        let l = links("http://127.0.0.1:8080/", "village-2026", true);
        assert_eq!(l.resident, "http://127.0.0.1:8080/?s=village-2026");
        assert_eq!(l.kiosk, "http://127.0.0.1:8080/kiosk/?s=village-2026");
        assert_eq!(
            l.projector,
            "http://127.0.0.1:8080/console/?s=village-2026&view=projector"
        );
        assert_eq!(
            l.codes.as_deref(),
            Some("http://127.0.0.1:8080/console/?s=village-2026&view=codes")
        );
        assert_eq!(links("http://h", "a b", false).codes, None);
        assert_eq!(
            links("http://h", "a b", false).resident,
            "http://h/?s=a%20b"
        );
    }
}
