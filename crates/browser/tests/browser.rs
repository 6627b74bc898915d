//! The browser layer in headless Chromium: uuid format, storage errors, fetch timeouts, JSON.
#![cfg(target_arch = "wasm32")]

use pingyi_browser::fetch::{failure, Answer, FetchError, Request};
use pingyi_browser::random::format_v4;
use pingyi_browser::storage::{classify, Storage, StorageError};
use pingyi_browser::uuid_v4;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn is_v4(a: &str) -> bool {
    let c: Vec<char> = a.chars().collect();
    c.len() == 36
        && c.iter().enumerate().all(|(i, x)| match i {
            8 | 13 | 18 | 23 => *x == '-',
            14 => *x == '4',
            19 => "89ab".contains(*x),
            _ => x.is_ascii_digit() || ('a'..='f').contains(x),
        })
}

#[wasm_bindgen_test]
fn uuids_are_random_lowercase_version_4() {
    let (a, b) = (uuid_v4().unwrap(), uuid_v4().unwrap());
    assert_ne!(a, b);
    assert!(is_v4(&a), "{a}");
    assert!(is_v4(&b), "{b}");
    assert_eq!(
        format_v4([0xff; 16]),
        "ffffffff-ffff-4fff-bfff-ffffffffffff"
    );
    assert_eq!(format_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
}

#[wasm_bindgen_test]
fn storage_reads_writes_lists_and_removes() {
    let s = Storage::open().unwrap();
    s.set("pingyi-browser-test/a", "1").unwrap();
    s.set("pingyi-browser-test/b", "2").unwrap();
    assert_eq!(
        s.get("pingyi-browser-test/a").unwrap().as_deref(),
        Some("1")
    );
    let mut keys = s.keys_with_prefix("pingyi-browser-test/").unwrap();
    keys.sort();
    assert_eq!(keys, ["pingyi-browser-test/a", "pingyi-browser-test/b"]);
    s.remove("pingyi-browser-test/a").unwrap();
    s.remove("pingyi-browser-test/b").unwrap();
    assert_eq!(s.get("pingyi-browser-test/a").unwrap(), None);
    assert!(s
        .keys_with_prefix("pingyi-browser-test/")
        .unwrap()
        .is_empty());
}

#[wasm_bindgen_test]
fn a_full_storage_is_reported_as_full_and_keeps_what_it_held() {
    let s = Storage::open().unwrap();
    s.set("pingyi-browser-test/kept", "ballot").unwrap();
    // Chromium allows about 5 MB (UTF-16) per origin; 12 million characters never fit.
    let huge = "x".repeat(12_000_000);
    assert_eq!(
        s.set("pingyi-browser-test/huge", &huge),
        Err(StorageError::Full)
    );
    assert_eq!(s.get("pingyi-browser-test/huge").unwrap(), None);
    assert_eq!(
        s.get("pingyi-browser-test/kept").unwrap().as_deref(),
        Some("ballot")
    );
    s.remove("pingyi-browser-test/kept").unwrap();
    assert!(StorageError::Full.to_string().contains("storage full"));
}

#[wasm_bindgen_test]
fn blocked_storage_is_unavailable_and_other_errors_keep_their_name() {
    let blocked =
        web_sys::DomException::new_with_message_and_name("access denied", "SecurityError").unwrap();
    assert_eq!(
        classify(blocked.into()),
        StorageError::Unavailable("SecurityError: access denied".into())
    );
    let full =
        web_sys::DomException::new_with_message_and_name("quota", "QuotaExceededError").unwrap();
    assert_eq!(classify(full.into()), StorageError::Full);
    let other =
        web_sys::DomException::new_with_message_and_name("odd", "InvalidStateError").unwrap();
    assert_eq!(
        classify(other.into()),
        StorageError::Other("InvalidStateError: odd".into())
    );
}

#[wasm_bindgen_test]
fn an_aborted_exchange_is_a_timeout_only_when_the_timer_aborted_it() {
    assert_eq!(failure(true, "AbortError".into()), FetchError::Timeout);
    assert_eq!(
        failure(false, "Failed to fetch".into()),
        FetchError::Network("Failed to fetch".into())
    );
}

#[wasm_bindgen_test]
async fn a_request_past_its_timeout_is_aborted_as_a_timeout() {
    // A zero timeout fires before any answer can arrive.
    let url = format!("{}/pingyi-browser-test", origin());
    let got = Request::get(&url).timeout(0).send().await;
    assert_eq!(got, Err(FetchError::Timeout));
}

#[wasm_bindgen_test]
async fn answers_without_a_timeout_come_back_with_their_status() {
    let url = format!("{}/pingyi-browser-test-missing", origin());
    let answer = Request::get(&url).timeout(60_000).send().await.unwrap();
    assert_eq!(answer.status, 404);
    assert!(!answer.ok());
    assert_eq!(answer.error().status(), 404);
}

#[wasm_bindgen_test]
async fn a_request_nobody_answers_is_a_network_error() {
    let got = Request::get("http://127.0.0.1:9/nothing-listens-here")
        .send()
        .await;
    assert!(matches!(got, Err(FetchError::Network(_))), "{got:?}");
}

#[wasm_bindgen_test]
fn collector_error_bodies_give_status_code_and_message() {
    let answer = Answer {
        status: 429,
        status_text: "Too Many Requests".into(),
        body: r#"{"error":{"code":"rate_limited","message":"slow down"}}"#.into(),
    };
    assert_eq!(
        answer.error(),
        FetchError::Http {
            status: 429,
            code: Some("rate_limited".into()),
            message: Some("slow down".into())
        }
    );
    assert_eq!(answer.error().to_string(), "HTTP 429: slow down");
    let bare = Answer {
        status: 502,
        status_text: "Bad Gateway".into(),
        body: String::new(),
    };
    assert_eq!(
        bare.error(),
        FetchError::Http {
            status: 502,
            code: None,
            message: Some("Bad Gateway".into())
        }
    );
    assert_eq!(
        bare.into_text(),
        Err(FetchError::Http {
            status: 502,
            code: None,
            message: Some("Bad Gateway".into())
        })
    );
}

fn origin() -> String {
    web_sys::window().unwrap().location().origin().unwrap()
}

/// Runs `f` while `window.crypto` is hidden, as in a browser without it.
fn without_crypto<T>(f: impl FnOnce() -> T) -> T {
    let window = web_sys::window().unwrap();
    // On the global object, `crypto` is the window's own property: put the original back after.
    let original = js_sys::Object::get_own_property_descriptor(&window, &"crypto".into());
    let desc = js_sys::Object::new();
    js_sys::Reflect::set(&desc, &"value".into(), &wasm_bindgen::JsValue::UNDEFINED).unwrap();
    js_sys::Reflect::set(&desc, &"configurable".into(), &true.into()).unwrap();
    js_sys::Object::define_property(&window, &"crypto".into(), &desc);
    let out = f();
    if original.is_undefined() {
        js_sys::Reflect::delete_property(&window, &"crypto".into()).unwrap();
    } else {
        js_sys::Object::define_property(&window, &"crypto".into(), original.unchecked_ref());
    }
    out
}

#[wasm_bindgen_test]
fn without_crypto_there_is_no_uuid_rather_than_a_guessable_one() {
    let got = without_crypto(uuid_v4);
    let err = got.expect_err("no id without crypto");
    assert!(
        err.en().contains("cannot make secure random numbers"),
        "{err}"
    );
    assert!(err.zh().contains("无法生成安全的随机编号"), "{err}");
    // Restored afterwards.
    assert!(is_v4(&uuid_v4().unwrap()));
}

#[wasm_bindgen_test]
fn json_reads_fractions_with_the_browsers_parse_float_and_says_where_text_is_wrong() {
    let v = pingyi_browser::parse_json(r#"{"a": [1.5, -2.5e-1, 1e2, 3.0, 1e400], "村": "湾"}"#)
        .unwrap();
    assert_eq!(
        v,
        serde_json::json!({"a": [1.5, -0.25, 100, 3, null], "村": "湾"})
    );
    assert_eq!(
        pingyi_browser::parse_json("{\n  \"a\": 1,\n}").unwrap_err(),
        "expected a property name in double quotes at line 3, column 1"
    );
}
