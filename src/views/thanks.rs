//! The thank-you screen: shown only after the ballot is stored, with the receipt code large.

use leptos::prelude::*;

use super::on_click;
use super::tr;
use super::words;
use crate::i18n::{IntegrityKey, Key, Lang};

/// Thanks, the receipt code, the way to a fresh form (再投一票) for the next voter when `on_again`
/// is given (shared phones, embedding pages; never a resident's own phone), and the organisers'
/// link to this device's results in the console (`results_href`). On a resident's own phone
/// (`personal`) it says that only the receipt stays once the ballot is uploaded.
#[component]
pub fn Thanks(
    receipt: String,
    lang: RwSignal<Lang>,
    on_again: Option<Callback<()>>,
    results_href: String,
    #[prop(optional)] personal: bool,
) -> impl IntoView {
    view! {
        <section class="py-thanks" data-testid="thanks" aria-live="polite">
            <h3 class="py-section-title">{tr(lang, Key::Thanks)}</h3>
            <p>{tr(lang, Key::StoredLocally)}</p>
            <p>{tr(lang, Key::ReceiptIntro)}</p>
            <p class="py-receipt" data-testid="receipt" translate="no">{receipt}</p>
            <p class="py-help">{tr(lang, Key::ReceiptHint)}</p>
            {personal.then(|| view! {
                <p class="py-help" data-testid="kept-after-upload">
                    {words(move || IntegrityKey::KeptAfterUpload.t(lang.get()).to_string())}
                </p>
            })}
            <div class="py-buttons">
                {on_again.map(|again| view! {
                    <button type="button" class="py-button py-primary" data-testid="vote-again"
                        on:click={on_click(move |_| again.run(()))}>
                        {tr(lang, Key::VoteAgain)}
                    </button>
                })}
                <a class="py-button py-secondary" data-testid="view-results" href=results_href>
                    {tr(lang, Key::ViewResults)}
                </a>
            </div>
        </section>
    }
}
