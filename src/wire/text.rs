//! [`ScalarText`]: the exact text of a JSON scalar (a string, or a number's digits), held inline
//! up to 39 bytes and on the heap beyond: a UUID in any spelling (36 bytes), every integer of up
//! to 128 bits (39 digits), a 13-digit millisecond timestamp and an ISO-8601 date-time take no
//! allocation. [`Id`](super::Id) and [`Timestamp`](super::Timestamp) are built on it.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

/// Text of up to this many bytes is held inline: the digits of `u128::MAX`.
const INLINE: usize = 39;

macro_rules! meta {
    ($($variant:ident)*) => {
        /// The length and kind of inline text, `len * 2 + number`. A byte with 176 unused values:
        /// the compiler keeps [`ScalarText`]'s variant (and `Option`'s) in them, so that a
        /// `ScalarText` and an `Option<ScalarText>` are 40 bytes.
        #[derive(Clone, Copy, PartialEq, Eq)]
        #[repr(u8)]
        pub(crate) enum Meta { $($variant),* }

        /// Every [`Meta`], indexed by its value.
        const METAS: [Meta; 2 * (INLINE + 1)] = [$(Meta::$variant),*];
    };
}

meta!(
    M0 M1 M2 M3 M4 M5 M6 M7 M8 M9 M10 M11 M12 M13 M14 M15 M16 M17 M18 M19
    M20 M21 M22 M23 M24 M25 M26 M27 M28 M29 M30 M31 M32 M33 M34 M35 M36 M37 M38 M39
    M40 M41 M42 M43 M44 M45 M46 M47 M48 M49 M50 M51 M52 M53 M54 M55 M56 M57 M58 M59
    M60 M61 M62 M63 M64 M65 M66 M67 M68 M69 M70 M71 M72 M73 M74 M75 M76 M77 M78 M79
);

/// The exact text of a JSON scalar and whether it was a number.
///
/// Its representation is private to this module, so that every inline value is made by
/// [`ScalarText::new`] (the invariant [`ScalarText::as_str`] relies on).
#[derive(Clone)]
pub(crate) struct ScalarText(Repr);

/// [`ScalarText`]'s representation.
#[derive(Clone)]
enum Repr {
    /// Text of up to [`INLINE`] bytes: `bytes[..len]`.
    Inline { bytes: [u8; INLINE], meta: Meta },
    /// Longer text.
    Heap { text: Box<str>, number: bool },
}

impl ScalarText {
    /// `text`, copied (inline when it fits).
    pub(crate) fn new(text: &str, number: bool) -> Self {
        let len = text.len();
        if len <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..len].copy_from_slice(text.as_bytes());
            Self(Repr::Inline {
                bytes,
                meta: METAS[len * 2 + usize::from(number)],
            })
        } else {
            Self(Repr::Heap {
                text: text.into(),
                number,
            })
        }
    }

    /// `text`, moved to the heap form only when it does not fit inline.
    pub(crate) fn from_string(text: String, number: bool) -> Self {
        if text.len() <= INLINE {
            Self::new(&text, number)
        } else {
            Self(Repr::Heap {
                text: text.into_boxed_str(),
                number,
            })
        }
    }

    /// Borrowed text is copied, owned text moved.
    pub(crate) fn from_cow(text: Cow<'_, str>, number: bool) -> Self {
        match text {
            Cow::Borrowed(text) => Self::new(text, number),
            Cow::Owned(text) => Self::from_string(text, number),
        }
    }

    /// The decimal digits of an integer, as a JSON number (no allocation).
    pub(crate) fn integer(negative: bool, magnitude: u128) -> Self {
        // 39 digits and a sign.
        let mut out = [0u8; INLINE + 1];
        let mut at = out.len();
        let mut n = magnitude;
        loop {
            at -= 1;
            out[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if negative {
            at -= 1;
            out[at] = b'-';
        }
        let digits = std::str::from_utf8(&out[at..]).unwrap_or("0");
        Self::new(digits, true)
    }

    /// The text's bytes.
    fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { bytes, meta } => &bytes[..*meta as usize / 2],
            Repr::Heap { text, .. } => text.as_bytes(),
        }
    }

    /// The text, without checking its UTF-8 again on every call.
    pub(crate) fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { bytes, meta } => {
                let bytes = &bytes[..*meta as usize / 2];
                debug_assert!(std::str::from_utf8(bytes).is_ok());
                // SAFETY: `Repr` is private to this module and its only inline constructor,
                // `ScalarText::new`, copies all of a `&str` into `bytes[..len]` and records
                // `len` in `meta` (`integer` goes through `new` too). Inline values are never
                // mutated, so `bytes[..len]` is that whole `str`: valid UTF-8.
                unsafe { std::str::from_utf8_unchecked(bytes) }
            }
            Repr::Heap { text, .. } => text,
        }
    }

    /// Whether the text is a JSON number's.
    pub(crate) fn is_number(&self) -> bool {
        match &self.0 {
            Repr::Inline { meta, .. } => *meta as u8 % 2 == 1,
            Repr::Heap { number, .. } => *number,
        }
    }

    /// Whether the text is held on the heap.
    #[cfg(test)]
    fn is_heap(&self) -> bool {
        matches!(self.0, Repr::Heap { .. })
    }
}

// Equality, order and hash are those of `(text, number)`, whatever the form; they compare the
// bytes (a `str`'s order is its bytes' order).

impl std::fmt::Debug for ScalarText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} (number: {})", self.as_str(), self.is_number())
    }
}

impl PartialEq for ScalarText {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes() && self.is_number() == other.is_number()
    }
}

impl Eq for ScalarText {}

impl PartialOrd for ScalarText {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ScalarText {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.as_bytes(), self.is_number()).cmp(&(other.as_bytes(), other.is_number()))
    }
}

impl Hash for ScalarText {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As `str` hashes: the bytes, then 0xff.
        state.write(self.as_bytes());
        state.write_u8(0xff);
        self.is_number().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::ScalarText;

    #[test]
    fn forty_bytes_with_or_without_option() {
        assert_eq!(std::mem::size_of::<ScalarText>(), 40);
        assert_eq!(std::mem::size_of::<Option<ScalarText>>(), 40);
    }

    #[test]
    fn inline_up_to_39_bytes_then_heap() {
        for (text, heap) in [
            ("", false),
            ("8E44604A82784C9696B53E5A0548D738", false),
            ("8e44604a-8278-4c96-96b5-3e5a0548d738", false),
            ("340282366920938463463374607431768211455", false),
            ("對話ID", false),
            // 39 bytes of three-byte characters: inline, and `as_str` gives them back whole.
            ("一二三四五六七八九十百千萬", false),
            ("一二三四五六七八九十百千萬!", true),
            ("3402823669209384634633746074317682114550", true),
            ("這是一段比三十九個位元組更長的文字內容", true),
        ] {
            for number in [false, true] {
                let t = ScalarText::new(text, number);
                assert_eq!(t.as_str(), text);
                assert_eq!(t.is_number(), number);
                assert_eq!(t.is_heap(), heap, "{text}");
                assert_eq!(ScalarText::from_string(text.to_string(), number), t);
            }
        }
    }

    #[test]
    fn integers_format_as_decimal() {
        assert_eq!(ScalarText::integer(false, 0).as_str(), "0");
        assert_eq!(ScalarText::integer(true, 5).as_str(), "-5");
        assert_eq!(
            ScalarText::integer(false, u128::MAX).as_str(),
            u128::MAX.to_string()
        );
        assert_eq!(
            ScalarText::integer(true, u128::from(u64::MAX) + 1).as_str(),
            "-18446744073709551616"
        );
        let widest = ScalarText::integer(true, u128::MAX);
        assert_eq!(widest.as_str(), format!("-{}", u128::MAX));
        assert!(widest.is_heap());
        assert!(ScalarText::integer(true, 1).is_number());
    }
}
