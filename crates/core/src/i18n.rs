//! The one way fixed user-facing words are kept: a [`Lang`], and key tables written with
//! [`words_table!`] where every key has its Simplified Chinese (the default) and English text.
//!
//! Each app keeps its own table (the widget in `src/i18n.rs`, the console in
//! `crates/console/src/i18n.rs`), so the console's words never enter the residents' bundle; both
//! read them the same way, with `lang.t(key)` (or `key.t(lang)`). Survey texts come from the
//! survey file ([`crate::Text`]); collector messages carry both languages themselves.

use crate::{Problem, Text};

/// The language an app speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Reads a `data-lang` value: `en…` is English, anything else is Chinese.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.trim().to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// The code for [`Text::get`] and for `lang` attributes.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language, for the header toggle.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The `lang` argument of core's [`crate::export`] CSV (`tally_csv`).
    pub fn csv(self) -> &'static str {
        self.pick("zh", "en")
    }

    /// Survey text in this language (falls back to Chinese).
    pub fn text(self, t: &Text) -> String {
        t.get(self.code()).to_string()
    }

    /// A core problem's message in this language.
    pub fn problem(self, p: &Problem) -> String {
        self.pick(&p.zh, &p.en).clone()
    }

    /// The fixed text of `key` in this language.
    pub fn t<K: Table>(self, key: K) -> &'static str {
        key.words().get(self)
    }

    /// `zh` or `en`, for words built with numbers in them (the table's functions use this).
    pub fn pick<T>(self, zh: T, en: T) -> T {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// One fixed text in both languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Words {
    pub zh: &'static str,
    pub en: &'static str,
}

impl Words {
    /// The text in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        lang.pick(self.zh, self.en)
    }
}

/// A key table made with [`words_table!`].
pub trait Table: Copy {
    /// The key's text in both languages.
    fn words(self) -> Words;
}

/// Why a table is incomplete: every key named with the language it lacks.
pub fn missing_words<K: Table + std::fmt::Debug>(keys: &[K]) -> Vec<String> {
    let mut missing = Vec::new();
    for &k in keys {
        let w = k.words();
        if w.zh.trim().is_empty() {
            missing.push(format!("{k:?}: zh-CN"));
        }
        if w.en.trim().is_empty() {
            missing.push(format!("{k:?}: en"));
        }
    }
    missing
}

/// Declares a key table: an enum of keys, each with `(Chinese, English)`.
///
/// ```
/// pingyi_core::words_table! {
///     /// Words of a small screen.
///     pub enum Key {
///         /// The button that sends.
///         Send => ("发送", "Send"),
///     }
/// }
/// use pingyi_core::i18n::Lang;
/// assert_eq!(Lang::Zh.t(Key::Send), "发送");
/// assert_eq!(Key::Send.t(Lang::En), "Send");
/// assert!(pingyi_core::i18n::missing_words(Key::ALL).is_empty());
/// ```
///
/// The enum gets `ALL` (every key, for the completeness test), [`Table`] and `t(lang)`.
#[macro_export]
macro_rules! words_table {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$key_meta:meta])* $key:ident => ($zh:expr, $en:expr $(,)?) ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name {
            $( $(#[$key_meta])* $key, )*
        }

        impl $name {
            /// Every key of the table.
            #[allow(dead_code)]
            pub const ALL: &'static [$name] = &[$($name::$key),*];

            /// The text of this key in `lang`.
            #[allow(dead_code)]
            pub fn t(self, lang: $crate::i18n::Lang) -> &'static str {
                lang.t(self)
            }
        }

        impl $crate::i18n::Table for $name {
            fn words(self) -> $crate::i18n::Words {
                let (zh, en) = match self {
                    $( $name::$key => ($zh, $en), )*
                };
                $crate::i18n::Words { zh, en }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    words_table! {
        enum Sample {
            Full => ("满", "full"),
            NoEnglish => ("空", " "),
        }
    }

    #[test]
    fn chinese_is_the_default() {
        assert_eq!(Lang::default(), Lang::Zh);
        assert_eq!(Lang::from_tag("en-GB"), Lang::En);
        assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh);
        assert_eq!(Lang::from_tag(""), Lang::Zh);
        assert_eq!(Lang::Zh.other(), Lang::En);
        assert_eq!(Lang::Zh.t(Sample::Full), "满");
        assert_eq!(Sample::Full.t(Lang::En), "full");
    }

    #[test]
    fn a_key_without_a_language_is_reported() {
        assert_eq!(
            missing_words(Sample::ALL),
            vec!["NoEnglish: en".to_string()]
        );
    }
}
