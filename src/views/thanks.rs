//! The thank-you screen: shown only after the ballot is stored, with the receipt code large.

use leptos::prelude::*;

use super::tr;
use crate::i18n::{Key, Lang};

/// Thanks, the receipt code, the way to a fresh form (再投一票) for the next voter, and the
/// organisers' link to this device's results in the console (`results_href`).
#[component]
pub fn Thanks(
    receipt: String,
    lang: RwSignal<Lang>,
    on_again: Callback<()>,
    results_href: String,
) -> impl IntoView {
    view! {
        <section class="py-thanks" data-testid="thanks" aria-live="polite">
            <h3 class="py-section-title">{tr(lang, Key::Thanks)}</h3>
            <p>{tr(lang, Key::StoredLocally)}</p>
            <p>{tr(lang, Key::ReceiptIntro)}</p>
            <p class="py-receipt" data-testid="receipt" translate="no">{receipt}</p>
            <p class="py-help">{tr(lang, Key::ReceiptHint)}</p>
            <div class="py-buttons">
                <button type="button" class="py-button py-primary" data-testid="vote-again"
                    on:click=move |_| on_again.run(())>
                    {tr(lang, Key::VoteAgain)}
                </button>
                <a class="py-button py-secondary" data-testid="view-results" href=results_href>
                    {tr(lang, Key::ViewResults)}
                </a>
            </div>
        </section>
    }
}
