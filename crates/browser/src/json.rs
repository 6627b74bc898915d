//! JSON read by the browser's `JSON.parse` and turned into a [`serde_json::Value`], and the
//! message of a thrown JavaScript value.

use wasm_bindgen::{JsCast, JsValue};

/// The message of a thrown JavaScript value (an `Error`'s `message`, which a `DOMException` is
/// too, or the value itself when it is a string).
pub fn js_error(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// Parses JSON text with the browser's `JSON.parse`; the error is the browser's `SyntaxError`
/// message.
pub fn parse_json(text: &str) -> Result<serde_json::Value, String> {
    js_sys::JSON::parse(text)
        .map(|v| to_value(&v))
        .map_err(|e| js_error(&e))
}

/// A parsed JavaScript value as a [`serde_json::Value`]. Whole numbers stay integers.
fn to_value(v: &JsValue) -> serde_json::Value {
    use serde_json::Value;
    if let Some(s) = v.as_string() {
        Value::String(s)
    } else if let Some(b) = v.as_bool() {
        Value::Bool(b)
    } else if let Some(n) = v.as_f64() {
        if js_sys::Number::is_integer(v)
            && (-9.223_372_036_854_776e18..1.844_674_407_370_955_2e19).contains(&n)
        {
            if n < 0.0 {
                Value::from(n as i64)
            } else {
                Value::from(n as u64)
            }
        } else {
            serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
        }
    } else if js_sys::Array::is_array(v) {
        Value::Array(
            js_sys::Array::from(v)
                .iter()
                .map(|x| to_value(&x))
                .collect(),
        )
    } else if v.is_object() {
        let mut map = serde_json::Map::new();
        for k in js_sys::Object::keys(v.unchecked_ref::<js_sys::Object>()).iter() {
            let item = js_sys::Reflect::get(v, &k).unwrap_or(JsValue::NULL);
            map.insert(k.as_string().unwrap_or_default(), to_value(&item));
        }
        Value::Object(map)
    } else {
        Value::Null
    }
}
