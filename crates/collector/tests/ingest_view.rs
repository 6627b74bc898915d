//! The one read ingest makes before each batch (`Store::ingest_view`): the latest published
//! version and whether the survey is closed, on the suite's backend, as publishing and closing
//! change them.

mod common;

use common::*;
use pingyi_collector::store::StoredSurvey;

fn stored_survey(id: &str, version: u32) -> StoredSurvey {
    StoredSurvey {
        survey_id: id.into(),
        version,
        json: survey_json(version, false, None).replace("\"village\"", &format!("{id:?}")),
        content_hash: format!("hash-{id}-{version}"),
    }
}

#[test]
fn the_ingest_view_follows_publishing_and_closing() {
    let dir = tempfile::tempdir().unwrap();
    let store = test_store(dir.path(), "v.sqlite");
    assert_eq!(store.ingest_view("nowhere").unwrap(), (None, false));
    store.publish_survey(&stored_survey("s", 1)).unwrap();
    assert_eq!(store.ingest_view("s").unwrap(), (Some(1), false));
    store.publish_survey(&stored_survey("s", 3)).unwrap();
    store.publish_survey(&stored_survey("other", 7)).unwrap();
    assert_eq!(store.ingest_view("s").unwrap(), (Some(3), false));
    // Revealing is not closing.
    store.set_revealed("s", true).unwrap();
    assert_eq!(store.ingest_view("s").unwrap(), (Some(3), false));
    store.close("s", "2026-11-27T21:00:00.000Z").unwrap();
    assert_eq!(store.ingest_view("s").unwrap(), (Some(3), true));
    assert_eq!(store.ingest_view("other").unwrap(), (Some(7), false));
    // The same as the two reads it replaces.
    for id in ["s", "other", "nowhere"] {
        let (latest, closed) = store.ingest_view(id).unwrap();
        assert_eq!(latest, store.latest_survey(id).unwrap().map(|s| s.version));
        assert_eq!(closed, store.meeting_state(id).unwrap().closed_at.is_some());
    }
}
