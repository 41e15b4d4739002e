//! Phone number ranges of the regions Riserbo checks on every candidate (Italy, the UK,
//! San Marino, Vatican City, the US), compiled once from libphonenumber's metadata as the
//! `phonenumber` crate ships it.
//!
//! Why not call the crate for these: it compiles its metadata patterns lazily into one
//! process-wide LRU cache of 100 regexes behind a mutex, so validating a number costs 10-40
//! µs, takes a global lock on every call and recompiles patterns once more than 100 are in
//! use. The same patterns compiled here, anchored, validate in well under a microsecond with
//! no lock. The decision logic mirrors the crate's `number_type` (general description
//! first, then premium rate, toll free, shared cost, VoIP, personal, pager, UAN, voicemail,
//! fixed line, mobile); numbers of other countries are still parsed by the crate.

use phonenumber::Type;
use phonenumber::country::Id as Region;
use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::{Regex, RegexBuilder};

/// One metadata description: its possible lengths and its anchored pattern.
struct Description {
    lengths: Vec<u16>,
    pattern: Regex,
}

impl Description {
    fn compile(descriptor: &Descriptor) -> Option<Self> {
        let source = format!("^(?:{})$", descriptor.national_number().as_str());
        // The metadata is written for libphonenumber: whitespace is layout, `\d` is ASCII.
        let pattern = RegexBuilder::new(&source).ignore_whitespace(true).unicode(false).build().ok()?;
        Some(Self { lengths: descriptor.possible_length().to_vec(), pattern })
    }

    fn matches(&self, nsn: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.contains(&(nsn.len() as u16))) && self.pattern.is_match(nsn)
    }
}

/// The number ranges of one region.
pub struct RegionRanges {
    pub region: Region,
    /// The country calling code, as digits ("39").
    pub country_code: String,
    /// The trunk prefix dialled before national numbers ("0" in the UK, "1" in the US).
    national_prefix: Option<String>,
    general: Description,
    /// In the order the crate tests them.
    types: Vec<(Type, Description)>,
    /// Lengths of fixed-line and mobile numbers.
    personal_lengths: Vec<u16>,
}

impl RegionRanges {
    /// Compiles the ranges of `region`; `None` if the metadata lacks it or a pattern does not
    /// compile (the caller then falls back to the crate).
    pub fn new(region: Region) -> Option<Self> {
        let meta: &Metadata = DATABASE.by_id(region.as_ref())?;
        let d = meta.descriptors();
        let candidates = [
            (Type::PremiumRate, d.premium_rate()),
            (Type::TollFree, d.toll_free()),
            (Type::SharedCost, d.shared_cost()),
            (Type::Voip, d.voip()),
            (Type::PersonalNumber, d.personal_number()),
            (Type::Pager, d.pager()),
            (Type::Uan, d.uan()),
            (Type::Voicemail, d.voicemail()),
            (Type::FixedLine, d.fixed_line()),
            (Type::Mobile, d.mobile()),
        ];
        let mut types = Vec::new();
        for (ty, descriptor) in candidates {
            if let Some(descriptor) = descriptor {
                types.push((ty, Description::compile(descriptor)?));
            }
        }
        let personal_lengths = [d.fixed_line(), d.mobile()]
            .into_iter()
            .flatten()
            .flat_map(|x| x.possible_length().iter().copied())
            .collect();
        Some(Self {
            region,
            country_code: meta.country_code().to_string(),
            national_prefix: meta.national_prefix().map(str::to_owned),
            general: Description::compile(d.general())?,
            types,
            personal_lengths,
        })
    }

    /// The type of a national significant number (digits only), or `None` if it is not in
    /// any range of this region.
    pub fn number_type(&self, nsn: &str) -> Option<Type> {
        if !self.general.matches(nsn) {
            return None;
        }
        let mut found = None;
        for (ty, description) in &self.types {
            if description.matches(nsn) {
                found = Some(*ty);
                break;
            }
        }
        // A number in both the fixed-line and the mobile ranges is either.
        if found == Some(Type::FixedLine)
            && self.types.iter().any(|(ty, description)| *ty == Type::Mobile && description.matches(nsn))
        {
            return Some(Type::FixedLineOrMobile);
        }
        found
    }

    /// Whether a fixed-line or mobile number of this region can have this many digits.
    pub fn is_possible_length(&self, nsn: &str) -> bool {
        self.personal_lengths.contains(&(nsn.len() as u16))
    }

    /// The national significant number of a number written nationally: without the trunk
    /// prefix when there is one.
    pub fn national_significant<'d>(&self, digits: &'d str) -> &'d str {
        match &self.national_prefix {
            Some(prefix) => digits.strip_prefix(prefix.as_str()).unwrap_or(digits),
            None => digits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compiled ranges agree with the crate on the metadata's own example numbers; on
    /// numbers one digit longer or shorter they accept nothing the crate rejects. (The crate
    /// matches a range pattern at the start of the number only, so it accepts a few numbers
    /// one digit too long that libphonenumber, which matches the whole number, rejects.)
    #[test]
    fn agrees_with_the_phonenumber_crate() {
        let all: Vec<RegionRanges> = [Region::IT, Region::GB, Region::SM, Region::VA, Region::US]
            .into_iter()
            .map(|r| RegionRanges::new(r).unwrap())
            .collect();
        for ranges in &all {
            let meta = DATABASE.by_id(ranges.region.as_ref()).unwrap();
            let d = meta.descriptors();
            let examples = [d.fixed_line(), d.mobile(), d.toll_free(), d.premium_rate(), d.voip()]
                .into_iter()
                .flatten()
                .filter_map(|x| x.example().map(str::to_owned));
            for example in examples {
                for (nsn, exact) in [
                    (example.clone(), true),
                    (format!("{example}1"), false),
                    (example[..example.len() - 1].to_owned(), false),
                ] {
                    let number = phonenumber::parse(None, format!("+{}{nsn}", ranges.country_code)).unwrap();
                    // Regions sharing a calling code (Italy and Vatican City) are one space.
                    let ours =
                        all.iter().any(|r| r.country_code == ranges.country_code && r.number_type(&nsn).is_some());
                    let theirs = phonenumber::is_valid(&number);
                    if exact {
                        assert!(ours && theirs, "{:?} {nsn}", ranges.region);
                    } else {
                        assert!(!ours || theirs, "{:?} {nsn}", ranges.region);
                    }
                }
            }
        }
    }

    #[test]
    fn types_and_trunk_prefixes() {
        let it = RegionRanges::new(Region::IT).unwrap();
        assert_eq!(it.number_type("3284451290"), Some(Type::Mobile));
        assert_eq!(it.number_type("800123456"), Some(Type::TollFree));
        assert_eq!(it.national_significant("0286451234"), "0286451234");
        let gb = RegionRanges::new(Region::GB).unwrap();
        assert_eq!(gb.national_significant("07700900456"), "7700900456");
        assert!(gb.is_possible_length("7700900456"));
    }
}
