//! 朗读: reads a question and its options aloud with the browser's speech synthesis, where the
//! browser has a Chinese voice; without one the button is not shown. Voices are looked up when a
//! question is drawn (no `voiceschanged` listener: its closure would cost the bundle more). The words read are the
//! question's own text on screen (its title, options, items and details), in screen order.

use js_sys::{Array, Function, Reflect};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;

use super::on_click;
use super::tr;
use crate::i18n::{Key, Lang};

fn get(o: &JsValue, key: &str) -> JsValue {
    Reflect::get(o, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// `window.speechSynthesis`, if the browser has it.
fn synth() -> Option<JsValue> {
    Some(get(&js_sys::global(), "speechSynthesis")).filter(JsValue::is_object)
}

/// Whether the browser has a voice whose language starts with `zh`.
fn has_zh_voice() -> Option<()> {
    let s = synth()?;
    let voices: Array = get(&s, "getVoices")
        .dyn_into::<Function>()
        .ok()?
        .call0(&s)
        .ok()?
        .dyn_into()
        .ok()?;
    voices
        .iter()
        .any(|v| {
            get(&v, "lang")
                .as_string()
                .is_some_and(|l| l.starts_with("zh"))
        })
        .then_some(())
}

/// Reads `text` aloud in `lang` (the browser picks a voice of that language).
fn speak(text: &str, lang: Lang) -> Option<()> {
    let s = synth()?;
    let ctor: Function = get(&js_sys::global(), "SpeechSynthesisUtterance")
        .dyn_into()
        .ok()?;
    let u = Reflect::construct(&ctor, &Array::of1(&text.into())).ok()?;
    Reflect::set(&u, &"lang".into(), &lang.code().into()).ok()?;
    get(&s, "speak")
        .dyn_into::<Function>()
        .ok()?
        .call1(&s, &u)
        .ok()?;
    Some(())
}

/// The text of the question around `button`: its legend, options, items and details.
fn question_text(button: &web_sys::Element, lang: Lang) -> String {
    let mut text = String::new();
    let Some(q) = button.closest("fieldset").ok().flatten() else {
        return text;
    };
    if let Ok(parts) =
        q.query_selector_all("legend, .py-detail-text, .py-opt-label, .py-score-row label")
    {
        for i in 0..parts.length() {
            if let Some(t) = parts.item(i).and_then(|n| n.text_content()) {
                text.push_str(t.trim());
                text.push_str(lang.t(Key::SpeechPause));
            }
        }
    }
    text
}

/// The 朗读 button of one question, present only when the browser has a Chinese voice (checked
/// when the question is drawn).
pub fn read_aloud(lang: RwSignal<Lang>) -> Option<impl IntoView> {
    has_zh_voice()?;
    let read = move |ev: leptos::ev::MouseEvent| {
        if let Some(el) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let l = lang.get_untracked();
            let _ = speak(&question_text(&el, l), l);
        }
    };
    Some(view! {
        <button type="button" class="py-speak" data-testid="read-aloud" on:click={on_click(read)}>
            {tr(lang, Key::ReadAloud)}
        </button>
    })
}
