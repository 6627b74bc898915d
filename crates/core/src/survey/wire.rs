//! How each survey wire type is described once, beside the type.
//!
//! One declaration in `survey.rs` (through [`wire_struct!`], [`wire_enum!`] or [`wire_kinds!`])
//! gives three things that must agree:
//! - the Rust type with its serde attributes, and so the JSON Schema generated from it;
//! - the table of its JSON fields ([`Wire::FIELDS`]: name, whether it is required, its
//!   [`Shape`]) that the structure pass of `validate` walks to report missing fields, wrong types
//!   and unknown fields at their paths;
//! - the reader ([`Wire::read`]) that builds the type from a JSON tree that passed that pass.
//!
//! The reader works over `serde_json::Value` rather than through serde's typed deserializers,
//! which would add tens of KB to the residents' wasm bundle (DEVELOPERS.md, "The bundle budget").
//! It accepts exactly what the derived `Deserialize` accepts from a checked tree;
//! `tests/read_equiv.rs` holds it to that, and holds the tables to the JSON Schema.

use serde_json::{Map, Value};

/// The JSON shape of a value, as the structure pass checks it.
#[derive(Clone, Copy, Debug)]
pub enum Shape {
    Str,
    Bool,
    U32,
    I32,
    /// `{"zh": "...", "en": "..."}`; a plain string gets its own message.
    Text,
    /// A string from a fixed list.
    OneOf(&'static [&'static str]),
    Obj(&'static [Field]),
    Arr(&'static Shape),
    /// An object told apart by a tag field, like `{"method": "trimmed_mean", "drop": 1}`.
    Tagged(&'static Tagged),
    /// A question: common fields plus the fields of its `kind`.
    Question,
}

/// Whether a field may be left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Must be present; `null` is not allowed.
    Required,
    /// May be absent or `null`.
    Optional,
    /// May be absent (a default applies) but not `null`.
    Defaulted,
}

/// One field of a JSON object.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub need: Need,
    pub shape: Shape,
}

impl Field {
    /// A field that must be present.
    pub const fn required(name: &'static str, shape: Shape) -> Field {
        Field {
            name,
            need: Need::Required,
            shape,
        }
    }
}

/// An object whose other fields depend on the value of its tag field.
#[derive(Debug)]
pub struct Tagged {
    /// The tag: a required field whose shape is `OneOf` the names.
    pub tag: Field,
    /// The fields beside the tag, for each name of the tag (same order).
    pub fields: &'static [&'static [Field]],
}

/// A type read from survey JSON.
pub trait Wire: Sized {
    /// How the structure pass checks a value of this type.
    const SHAPE: Shape;
    /// The JSON fields of an object type, in declaration order (empty for other types).
    const FIELDS: &'static [Field] = &[];
    /// Read a value that passed the structure pass; `None` when it does not fit.
    fn read(v: &Value) -> Option<Self>;
}

impl Wire for String {
    const SHAPE: Shape = Shape::Str;
    fn read(v: &Value) -> Option<Self> {
        v.as_str().map(str::to_string)
    }
}

impl Wire for bool {
    const SHAPE: Shape = Shape::Bool;
    fn read(v: &Value) -> Option<Self> {
        v.as_bool()
    }
}

impl Wire for u32 {
    const SHAPE: Shape = Shape::U32;
    fn read(v: &Value) -> Option<Self> {
        u32::try_from(v.as_u64()?).ok()
    }
}

impl Wire for i32 {
    const SHAPE: Shape = Shape::I32;
    fn read(v: &Value) -> Option<Self> {
        i32::try_from(v.as_i64()?).ok()
    }
}

impl<T: Wire> Wire for Vec<T> {
    const SHAPE: Shape = Shape::Arr(&T::SHAPE);
    #[inline]
    fn read(v: &Value) -> Option<Self> {
        v.as_array()?.iter().map(T::read).collect()
    }
}

/// The type inside an `Option` field.
pub trait Optional {
    type Inner: Wire;
}

impl<T: Wire> Optional for Option<T> {
    type Inner = T;
}

/// Where `name` is in `names`.
pub(crate) fn place(names: &[&str], name: &str) -> Option<usize> {
    names.iter().position(|n| *n == name)
}

// The field readers take the value's reader as a function pointer (rather than calling `T::read`)
// so that one copy serves all fields of a type: fewer bytes in the residents' bundle.

/// A required field of `m`.
pub(crate) fn req<T>(
    m: &Map<String, Value>,
    key: &str,
    read: fn(&Value) -> Option<T>,
) -> Option<T> {
    read(m.get(key)?)
}

/// An optional field of `m`: absent or `null` is `None`, as with serde.
pub(crate) fn opt<T>(
    m: &Map<String, Value>,
    key: &str,
    read: fn(&Value) -> Option<T>,
) -> Option<Option<T>> {
    match m.get(key) {
        None | Some(Value::Null) => Some(None),
        Some(v) => read(v).map(Some),
    }
}

/// A field of `m` with a default when absent (`null` is not allowed).
pub(crate) fn def<T>(
    m: &Map<String, Value>,
    key: &str,
    read: fn(&Value) -> Option<T>,
    default: T,
) -> Option<T> {
    match m.get(key) {
        None => Some(default),
        Some(v) => read(v),
    }
}

/// Declares a struct read from a JSON object, with its field table and reader.
///
/// Each field is `name: Type = need`, optionally followed by its JSON name when that differs
/// from the Rust name (`pub schema: Option<String> = optional "$schema",`). The need is one of
/// - `required`: must be present;
/// - `optional`: an `Option`, absent or `null` is `None`, left out when serialised if `None`;
/// - `default`: absent gives `Default::default()`;
/// - `default(f)`: absent gives `f()`; write `#[serde(default = "f")]` on the field as well;
/// - `flatten`: the field is read from the same object (its fields are not in the table).
///
/// `struct Name as Shape::X { … }` gives the type a shape other than `Shape::Obj(FIELDS)`. Other
/// attributes (docs, `skip_serializing_if`) pass through to the struct.
macro_rules! wire_struct {
    (
        $(#[$attr:meta])*
        $vis:vis struct $name:ident $(as $shape:path)? { $($fields:tt)* }
    ) => {
        $crate::survey::wire::wire_struct!(@field (m, v) $name { $(#[$attr])* $vis struct $name }
            [$($shape)?] {} {} {} $($fields)*);
    };

    (@field $mv:tt $name:ident $head:tt $shape:tt { $($s:tt)* } { $($t:tt)* } { $($r:tt)* }
        $(#[$fattr:meta])* $fvis:vis $field:ident : $ty:ty = required $($json:literal)?,
        $($rest:tt)*
    ) => {
        $crate::survey::wire::wire_struct!(@field $mv $name $head $shape
            { $($s)* $(#[$fattr])* $(#[serde(rename = $json)])? $fvis $field: $ty, }
            { $($t)* (Required, $field $($json)?, $ty) }
            { $($r)* ($field [$($json)?] req $ty) }
            $($rest)*);
    };
    (@field $mv:tt $name:ident $head:tt $shape:tt { $($s:tt)* } { $($t:tt)* } { $($r:tt)* }
        $(#[$fattr:meta])* $fvis:vis $field:ident : $ty:ty = optional $($json:literal)?,
        $($rest:tt)*
    ) => {
        $crate::survey::wire::wire_struct!(@field $mv $name $head $shape
            { $($s)* $(#[$fattr])* $(#[serde(rename = $json)])?
              #[serde(default, skip_serializing_if = "Option::is_none")] $fvis $field: $ty, }
            { $($t)* (Optional, $field $($json)?, <$ty as $crate::survey::wire::Optional>::Inner) }
            { $($r)* ($field [$($json)?] opt <$ty as $crate::survey::wire::Optional>::Inner) }
            $($rest)*);
    };
    (@field $mv:tt $name:ident $head:tt $shape:tt { $($s:tt)* } { $($t:tt)* } { $($r:tt)* }
        $(#[$fattr:meta])* $fvis:vis $field:ident : $ty:ty = default $($json:literal)?,
        $($rest:tt)*
    ) => {
        $crate::survey::wire::wire_struct!(@field $mv $name $head $shape
            { $($s)* $(#[$fattr])* $(#[serde(rename = $json)])? #[serde(default)] $fvis $field: $ty, }
            { $($t)* (Defaulted, $field $($json)?, $ty) }
            { $($r)* ($field [$($json)?] def $ty, Default::default) }
            $($rest)*);
    };
    (@field $mv:tt $name:ident $head:tt $shape:tt { $($s:tt)* } { $($t:tt)* } { $($r:tt)* }
        $(#[$fattr:meta])* $fvis:vis $field:ident : $ty:ty = default($default:path) $($json:literal)?,
        $($rest:tt)*
    ) => {
        $crate::survey::wire::wire_struct!(@field $mv $name $head $shape
            { $($s)* $(#[$fattr])* $(#[serde(rename = $json)])? $fvis $field: $ty, }
            { $($t)* (Defaulted, $field $($json)?, $ty) }
            { $($r)* ($field [$($json)?] def $ty, $default) }
            $($rest)*);
    };
    (@field $mv:tt $name:ident $head:tt $shape:tt { $($s:tt)* } { $($t:tt)* } { $($r:tt)* }
        $(#[$fattr:meta])* $fvis:vis $field:ident : $ty:ty = flatten,
        $($rest:tt)*
    ) => {
        $crate::survey::wire::wire_struct!(@field $mv $name $head $shape
            { $($s)* $(#[$fattr])* #[serde(flatten)] $fvis $field: $ty, }
            { $($t)* }
            { $($r)* ($field [] flatten $ty) }
            $($rest)*);
    };

    (@field ($m:ident, $v:ident) $name:ident { $($head:tt)* } [$($shape:path)?]
        { $($s:tt)* }
        { $(($need:ident, $tfield:ident $($json:literal)?, $tty:ty))* }
        { $(($rfield:ident [$($rjson:literal)?] $how:ident $rty:ty $(, $default:path)?))* }
    ) => {
        $($head)* { $($s)* }

        impl $crate::survey::wire::Wire for $name {
            const SHAPE: $crate::survey::wire::Shape =
                $crate::survey::wire::wire_struct!(@shape $($shape)?);
            const FIELDS: &'static [$crate::survey::wire::Field] = &[$(
                $crate::survey::wire::Field {
                    name: $crate::survey::wire::wire_struct!(@name $tfield $($json)?),
                    need: $crate::survey::wire::Need::$need,
                    shape: <$tty as $crate::survey::wire::Wire>::SHAPE,
                },
            )*];
            fn read(v: &::serde_json::Value) -> Option<Self> {
                Self::read_fields(v.as_object()?, v)
            }
        }

        impl $name {
            /// Read from `object`, the map of the JSON object `$v` (kept inline so that a tagged
            /// enum reads its kinds in one function, as a hand-written reader would).
            #[doc(hidden)]
            #[inline(always)]
            pub fn read_fields(
                $m: &::serde_json::Map<String, ::serde_json::Value>,
                $v: &::serde_json::Value,
            ) -> Option<Self> {
                let _ = $v; // read by flattened fields only
                Some(Self {$(
                    $rfield: $crate::survey::wire::wire_struct!(
                        @read $m $v $how $rty, [$rfield $($rjson)?] $($default)?
                    )?,
                )*})
            }
        }
    };

    (@shape) => { $crate::survey::wire::Shape::Obj(Self::FIELDS) };
    (@shape $shape:path) => { $shape };
    (@name $field:ident) => { stringify!($field) };
    (@name $field:ident $json:literal) => { $json };
    // A flattened field reads the whole object.
    (@read $m:ident $v:ident flatten $ty:ty, [$field:ident]) => {
        <$ty as $crate::survey::wire::Wire>::read($v)
    };
    (@read $m:ident $v:ident $how:ident $ty:ty, [$field:ident $($json:literal)?] $($default:path)?) => {
        $crate::survey::wire::$how(
            $m,
            $crate::survey::wire::wire_struct!(@name $field $($json)?),
            <$ty as $crate::survey::wire::Wire>::read
            $(, $default())?
        )
    };
}
pub(crate) use wire_struct;

/// Declares an enum written as one string from a fixed list: `Variant = "json"` for each.
macro_rules! wire_enum {
    (
        $(#[$attr:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vattr:meta])* $variant:ident = $json:literal ),* $(,)?
        }
    ) => {
        $(#[$attr])*
        $vis enum $name {
            $( $(#[$vattr])* #[serde(rename = $json)] $variant, )*
        }

        impl $crate::survey::wire::Wire for $name {
            const SHAPE: $crate::survey::wire::Shape = $crate::survey::wire::Shape::OneOf(&[$($json),*]);
            fn read(v: &::serde_json::Value) -> Option<Self> {
                const NAMES: &[&str] = &[$($json),*];
                let i = $crate::survey::wire::place(NAMES, v.as_str()?)?;
                [$(Self::$variant),*].get(i).copied()
            }
        }
    };
}
pub(crate) use wire_enum;

/// Declares an enum whose variants are told apart by a tag field of the same JSON object
/// (`tagged "kind"`), each variant holding a [`Wire`] struct: `Variant(Type) = "json"`.
macro_rules! wire_kinds {
    (
        $(#[$attr:meta])*
        $vis:vis enum $name:ident tagged $tag:literal {
            $( $(#[$vattr:meta])* $variant:ident($inner:ty) = $json:literal ),* $(,)?
        }
    ) => {
        $(#[$attr])*
        #[serde(tag = $tag)]
        $vis enum $name {
            $( $(#[$vattr])* #[serde(rename = $json)] $variant($inner), )*
        }

        impl $name {
            /// The field that names the kind.
            pub const TAG: &'static str = $tag;
            /// Every kind, in declaration order.
            pub const KINDS: &'static [&'static str] = &[$($json),*];

            /// This value's kind.
            pub fn kind(&self) -> &'static str {
                match self {
                    $( Self::$variant(_) => $json, )*
                }
            }

            /// The fields of the kind named `kind`, beside the tag.
            pub fn fields_of(kind: &str) -> Option<&'static [$crate::survey::wire::Field]> {
                let fields: &[&[$crate::survey::wire::Field]] =
                    &[$(<$inner as $crate::survey::wire::Wire>::FIELDS),*];
                fields.get($crate::survey::wire::place(Self::KINDS, kind)?).copied()
            }
        }

        /// Read from the object that holds the tag.
        impl $crate::survey::wire::Wire for $name {
            const SHAPE: $crate::survey::wire::Shape = $crate::survey::wire::Shape::Question;
            #[inline(always)]
            fn read(v: &::serde_json::Value) -> Option<Self> {
                let m = v.as_object()?;
                match m.get($tag)?.as_str()? {
                    $( $json => <$inner>::read_fields(m, v).map(Self::$variant), )*
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use wire_kinds;
