//! One `fetch` for every bundle: a method, a URL, headers, an optional JSON body and an optional
//! timeout (an `AbortController` aborts the request; the abort is reported as
//! [`FetchError::Timeout`], not as a network error). Any HTTP answer comes back as an [`Answer`];
//! [`Answer::error`] reads a collector's `{"error": {"code", "message"}}` body into
//! [`FetchError::Http`], the status, code and message core's outbox `Failure` is made of.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::json::{js_error, parse_json};

/// Why a request gave no usable answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// No answer at all (offline, DNS, connection reset, CORS, bad URL).
    Network(String),
    /// No answer within the timeout; the request was aborted.
    Timeout,
    /// A non-2xx answer, with the collector's error code and message when its body had them.
    Http {
        status: u16,
        code: Option<String>,
        message: Option<String>,
    },
}

impl FetchError {
    /// The HTTP status; 0 when there was no answer.
    pub fn status(&self) -> u16 {
        match self {
            FetchError::Http { status, .. } => *status,
            _ => 0,
        }
    }
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Network(m) => write!(f, "{m}"),
            FetchError::Timeout => write!(f, "请求超时 (the request timed out)"),
            FetchError::Http {
                status,
                message: Some(m),
                ..
            } => write!(f, "HTTP {status}: {m}"),
            FetchError::Http { status, .. } => write!(f, "HTTP {status}"),
        }
    }
}

/// What a server answered: the status, its reason phrase and the whole body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The HTTP reason phrase (`Not Found`), for errors without a collector message.
    pub status_text: String,
    pub body: String,
}

impl Answer {
    /// A 2xx answer.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The answer as a [`FetchError::Http`], with the collector's error code and message when the
    /// body is a collector error (otherwise the start of the body, or the reason phrase).
    pub fn error(&self) -> FetchError {
        let v = parse_json(&self.body).ok();
        let field = |name: &str| {
            v.as_ref()
                .and_then(|v| v.get("error")?.get(name)?.as_str().map(str::to_string))
        };
        let message = field("message").or_else(|| {
            let start: String = self.body.chars().take(200).collect();
            let start = start.trim();
            Some(if start.is_empty() {
                self.status_text.clone()
            } else {
                start.to_string()
            })
            .filter(|m| !m.is_empty())
        });
        FetchError::Http {
            status: self.status,
            code: field("code"),
            message,
        }
    }

    /// The body of a 2xx answer, or [`Answer::error`].
    pub fn into_text(self) -> Result<String, FetchError> {
        if self.ok() {
            Ok(self.body)
        } else {
            Err(self.error())
        }
    }
}

/// One request to send.
#[derive(Clone, Debug, Default)]
pub struct Request<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub headers: Vec<(&'a str, String)>,
    /// A JSON body, sent with `content-type: application/json`.
    pub json: Option<&'a str>,
    /// Abort after this many milliseconds.
    pub timeout_ms: Option<u64>,
    /// Tell every cache in between not to keep the request or its answer.
    pub no_store: bool,
}

impl<'a> Request<'a> {
    /// A GET of `url`.
    pub fn get(url: &'a str) -> Request<'a> {
        Request {
            method: "GET",
            url,
            ..Request::default()
        }
    }

    /// A POST of `json` to `url`.
    pub fn post_json(url: &'a str, json: &'a str) -> Request<'a> {
        Request {
            method: "POST",
            url,
            json: Some(json),
            no_store: true,
            ..Request::default()
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &'a str, value: impl Into<String>) -> Request<'a> {
        self.headers.push((name, value.into()));
        self
    }

    /// Adds `authorization: Bearer <token>` when `token` is not blank.
    pub fn bearer(self, token: Option<&str>) -> Request<'a> {
        match token.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => self.header("authorization", format!("Bearer {t}")),
            None => self,
        }
    }

    /// Asks every cache in between not to keep the request or its answer.
    pub fn no_store(mut self) -> Request<'a> {
        self.no_store = true;
        self
    }

    /// Aborts the request after `ms` milliseconds.
    pub fn timeout(mut self, ms: u64) -> Request<'a> {
        self.timeout_ms = Some(ms);
        self
    }

    /// Sends the request and reads the whole body. Any HTTP answer is `Ok`;
    /// `Err` is [`FetchError::Network`] or [`FetchError::Timeout`].
    pub async fn send(self) -> Result<Answer, FetchError> {
        let window = web_sys::window().ok_or_else(|| FetchError::Network("no window".into()))?;
        let init = web_sys::RequestInit::new();
        init.set_method(self.method);
        if self.no_store {
            init.set_cache(web_sys::RequestCache::NoStore);
        }
        let headers = js_sys::Object::new();
        let set = |name: &str, value: &str| {
            let _ = js_sys::Reflect::set(&headers, &name.into(), &value.into());
        };
        if let Some(body) = self.json {
            set("content-type", "application/json");
            init.set_body(&JsValue::from_str(body));
        }
        for (name, value) in &self.headers {
            set(name, value);
        }
        init.set_headers(&headers);

        // Abort after the timeout; the flag tells a timeout apart from other aborts and errors.
        let timed_out = Rc::new(Cell::new(false));
        let _timer = match self.timeout_ms {
            Some(ms) => web_sys::AbortController::new().ok().and_then(|c| {
                init.set_signal(Some(&c.signal()));
                let flag = timed_out.clone();
                crate::Timer::new(ms, move || {
                    flag.set(true);
                    c.abort();
                })
            }),
            None => None,
        };
        let answer = exchange(&window, self.url, &init).await;
        answer.map_err(|e| failure(timed_out.get(), e))
    }
}

/// What a failed exchange is: a timeout when the timer aborted it, otherwise a network error.
pub fn failure(timed_out: bool, message: String) -> FetchError {
    if timed_out {
        FetchError::Timeout
    } else {
        FetchError::Network(message)
    }
}

/// The request and the whole body; `Err` when there was no complete answer.
async fn exchange(
    window: &web_sys::Window,
    url: &str,
    init: &web_sys::RequestInit,
) -> Result<Answer, String> {
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(|e| js_error(&e))?
        .dyn_into()
        .map_err(|_| "not a Response".to_string())?;
    let text = JsFuture::from(response.text().map_err(|e| js_error(&e))?)
        .await
        .map_err(|e| js_error(&e))?;
    Ok(Answer {
        status: response.status(),
        status_text: response.status_text(),
        body: text.as_string().unwrap_or_default(),
    })
}

/// GETs `url` uncached (with a bearer token when given) and returns the body of a 2xx answer.
pub async fn get_text(url: &str, token: Option<&str>) -> Result<String, FetchError> {
    Request::get(url)
        .bearer(token)
        .no_store()
        .send()
        .await?
        .into_text()
}
