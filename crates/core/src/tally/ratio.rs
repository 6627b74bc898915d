//! Exact rationals for rates, shares, means and scores, with documented decimal rounding.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Ratio;

/// Decimal places of `Ratio::value` in JSON and of `Ratio::percent`.
pub const DECIMALS: u32 = 4;

impl Ratio {
    pub fn new(num: i64, den: u64) -> Self {
        Ratio { num, den }
    }

    /// `num/den` rounded half away from zero to `places` decimals, e.g. `0.6667`.
    /// `None` when `den` is 0.
    pub fn decimal(&self, places: u32) -> Option<String> {
        scaled_string(self.num as i128, self.den as i128, 0, places)
    }

    /// The rate as a percentage rounded half away from zero to `places` decimals, e.g. `66.67`.
    pub fn percent(&self, places: u32) -> Option<String> {
        scaled_string(self.num as i128, self.den as i128, 2, places)
    }

    /// Exact comparison of two ratios with non-zero denominators.
    pub fn cmp_value(&self, other: &Ratio) -> std::cmp::Ordering {
        (self.num as i128 * other.den as i128).cmp(&(other.num as i128 * self.den as i128))
    }

    /// Exact sum, in lowest terms. A ratio with `den` 0 (undefined) is treated as absent.
    pub fn add(&self, other: &Ratio) -> Ratio {
        if self.den == 0 {
            return *other;
        }
        if other.den == 0 {
            return *self;
        }
        let num = (self.num as i128)
            .saturating_mul(other.den as i128)
            .saturating_add((other.num as i128).saturating_mul(self.den as i128));
        let den = (self.den as i128).saturating_mul(other.den as i128);
        reduce(num, den)
    }

    /// `num / den` in lowest terms, with a positive denominator. `den` 0 gives `0/0` (undefined,
    /// `value` null). Values beyond `i64` saturate, which no real tally reaches.
    /// Every ratio the tally produces is made here, so all of them are in lowest terms
    /// (`7/8`, `1/4`, `0/1`, `5/1`).
    pub fn reduced(num: i128, den: i128) -> Ratio {
        if den == 0 {
            return Ratio { num: 0, den: 0 };
        }
        let (num, den) = if den < 0 {
            (num.saturating_neg(), den.saturating_neg())
        } else {
            (num, den)
        };
        reduce(num, den)
    }

    /// Whether the ratio has a value (`den` is not 0).
    pub fn is_defined(&self) -> bool {
        self.den != 0
    }
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a.min(i128::MAX as u128) as i128
}

fn reduce(num: i128, den: i128) -> Ratio {
    let g = gcd(num, den).max(1);
    let (num, den) = (num / g, den / g);
    let num = num.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
    let den = den.clamp(0, u64::MAX as i128) as u64;
    Ratio { num, den }
}

/// `num/den × 10^shift`, rounded half away from zero to `places` decimals.
fn scaled_string(num: i128, den: i128, shift: u32, places: u32) -> Option<String> {
    if den == 0 {
        return None;
    }
    // Real tallies are far below these limits; the cap only keeps the arithmetic panic-free.
    let places = places.min(18);
    let scale = 10i128.pow(places + shift);
    let n = num.saturating_mul(scale);
    let neg = n < 0;
    let n = n.saturating_abs();
    let mut q = n / den;
    if (n % den).saturating_mul(2) >= den {
        q += 1;
    }
    let unit = 10i128.pow(places);
    let int = q / unit;
    let frac = q % unit;
    let sign = if neg && q != 0 { "-" } else { "" };
    Some(if places == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac:0width$}", width = places as usize)
    })
}

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Ratio"))]
struct RatioJson {
    num: i64,
    den: u64,
    /// num/den rounded half away from zero to 4 decimals; null when den is 0.
    value: Option<String>,
}

impl Serialize for Ratio {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RatioJson {
            num: self.num,
            den: self.den,
            value: self.decimal(DECIMALS),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Ratio {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = RatioJson::deserialize(d)?;
        Ok(Ratio {
            num: r.num,
            den: r.den,
        })
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Ratio {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Ratio".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        RatioJson::json_schema(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(Ratio::new(2, 3).decimal(4).unwrap(), "0.6667");
        assert_eq!(Ratio::new(2, 3).percent(2).unwrap(), "66.67");
        assert_eq!(Ratio::new(1, 8).decimal(2).unwrap(), "0.13");
        assert_eq!(Ratio::new(-1, 8).decimal(2).unwrap(), "-0.13");
        assert_eq!(Ratio::new(0, 5).percent(2).unwrap(), "0.00");
        assert_eq!(Ratio::new(5, 5).percent(0).unwrap(), "100");
        assert_eq!(Ratio::new(1, 0).decimal(2), None);
    }

    #[test]
    fn serialises_with_value() {
        let j = serde_json::to_string(&Ratio::new(1, 3)).unwrap();
        assert_eq!(j, r#"{"num":1,"den":3,"value":"0.3333"}"#);
        let back: Ratio = serde_json::from_str(&j).unwrap();
        assert_eq!(back, Ratio::new(1, 3));
    }

    #[test]
    fn add_is_exact() {
        let s = Ratio::new(1, 3).add(&Ratio::new(1, 6));
        assert_eq!(s, Ratio::new(1, 2));
    }
}
