//! The `results` list of a page, decoded into a list sized for a page up front.
//!
//! `serde_json` does not tell a list's length in advance, so serde's own `Vec` decoding starts
//! empty and grows four, eight, sixteen… items at a time: a page of 100 messages (464 bytes each)
//! is copied some 124 items' worth on the way. Here the list starts with room for the page size
//! the listing asked for (up to 1 MiB of items), or else for about 64 KiB of items (141
//! messages); it grows as usual past that, and gives back the room it did not use when that is
//! more than half. A page of 1,000 messages is then one allocation of 464 KB, where growing by
//! doubling ends at 1,128 items after copying 564 (and, in the pagination benchmark, leaves a
//! peak resident memory some 0.4 MiB higher).

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

/// The room a page's list starts with when its length is not known, in bytes.
const PAGE_BYTES: usize = 64 * 1024;

/// At most this many items of room up front when the length is not known, whatever their size.
const MAX_ITEMS: usize = 1024;

/// The most room a page's expected length gets up front, in bytes: the length comes from the
/// caller, not from the answer, and never reserves more than this before an item has arrived.
const EXPECTED_BYTES: usize = 1 << 20;

thread_local! {
    /// The expected length of the page list being decoded on this thread, set by
    /// [`expecting_page_len`] and taken by the first list that reads it.
    static EXPECTED_LEN: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Runs `decode` (a synchronous decoding of one answer) with `len` as the expected length of
/// the page list it decodes: the page size a listing asked for. Only the first page list
/// decoded reads it; it is cleared afterwards, even if `decode` panics.
pub(crate) fn expecting_page_len<R>(
    len: Option<std::num::NonZeroU32>,
    decode: impl FnOnce() -> R,
) -> R {
    struct Restore(Option<usize>);
    impl Drop for Restore {
        fn drop(&mut self) {
            EXPECTED_LEN.set(self.0);
        }
    }
    let len = len.and_then(|n| usize::try_from(n.get()).ok());
    let _restore = Restore(EXPECTED_LEN.replace(len));
    decode()
}

/// Decodes a page's `results` (`#[serde(deserialize_with)]`, added by the build script to
/// every generated page).
pub(crate) fn page_items<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    d.deserialize_seq(Items(PhantomData))
}

/// The room for a page of `T`s: the list's expected length (at most [`EXPECTED_BYTES`] of
/// items), else its announced length, else about [`PAGE_BYTES`] of items; an announced length
/// gets no more than that either.
fn room<T>(expected: Option<usize>, announced: Option<usize>) -> usize {
    let size = std::mem::size_of::<T>().max(1);
    if let Some(expected) = expected {
        return expected.min(EXPECTED_BYTES / size);
    }
    let fits = PAGE_BYTES / size;
    announced.unwrap_or(fits).min(fits.clamp(4, MAX_ITEMS))
}

/// The list's visitor.
struct Items<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for Items<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let expected = EXPECTED_LEN.take();
        let mut items = Vec::with_capacity(room::<T>(expected, seq.size_hint()));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        if items.len() < items.capacity() / 2 {
            items.shrink_to_fit();
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::{expecting_page_len, page_items, room};
    use serde::Deserialize;
    use std::num::NonZeroU32;

    #[derive(Deserialize)]
    struct Page {
        #[serde(deserialize_with = "page_items")]
        results: Vec<[u64; 4]>,
    }

    #[test]
    fn room_is_about_64_kib_of_items_and_bounded() {
        assert_eq!(room::<[u8; 464]>(None, None), 141);
        assert_eq!(room::<[u8; 464]>(None, Some(7)), 7);
        assert_eq!(room::<[u8; 464]>(None, Some(usize::MAX)), 141);
        assert_eq!(room::<u8>(None, None), 1024);
        assert_eq!(room::<()>(None, None), 1024);
        assert_eq!(room::<[u8; 1 << 20]>(None, None), 0);
    }

    #[test]
    fn room_is_the_expected_length_up_to_a_mebibyte_of_items() {
        assert_eq!(room::<[u8; 464]>(Some(1000), None), 1000);
        assert_eq!(room::<[u8; 464]>(Some(1000), Some(3)), 1000);
        assert_eq!(room::<[u8; 464]>(Some(usize::MAX), None), 2259);
        assert_eq!(room::<u8>(Some(5000), None), 5000);
        assert_eq!(room::<()>(Some(usize::MAX), None), 1 << 20);
        assert_eq!(room::<[u8; 2 << 20]>(Some(10), None), 0);
    }

    #[test]
    fn an_expected_length_sizes_the_first_page_list_only() {
        #[derive(Deserialize)]
        struct Outer {
            #[serde(deserialize_with = "page_items")]
            results: Vec<Page>,
        }
        let inner = vec!["[0, 1, 2, 3]"; 600].join(",");
        let json = format!(r#"{{"results": [{{"results": [{inner}]}}, {{"results": []}}]}}"#);
        let outer: Outer =
            expecting_page_len(NonZeroU32::new(1000), || serde_json::from_str(&json)).unwrap();
        // The outer list took the expected length, then gave back the 998 items it did not use.
        assert_eq!((outer.results.len(), outer.results.capacity()), (2, 2));
        // The inner list got the default room (64 KiB of 32-byte items, at most 1,024).
        assert_eq!(outer.results[0].results.len(), 600);
        assert_eq!(outer.results[0].results.capacity(), 1024);

        let page: Page = expecting_page_len(NonZeroU32::new(600), || {
            serde_json::from_str(&format!(
                r#"{{"results": [{}]}}"#,
                vec!["[0, 1, 2, 3]"; 600].join(",")
            ))
        })
        .unwrap();
        assert_eq!((page.results.len(), page.results.capacity()), (600, 600));
        // Cleared afterwards: the next decode sizes by the default again.
        let page: Page = serde_json::from_str(r#"{"results": [[0, 1, 2, 3]]}"#).unwrap();
        assert!(page.results.capacity() <= 4);
        // And after a panic inside.
        let _ = std::panic::catch_unwind(|| {
            expecting_page_len(NonZeroU32::new(9), || panic!("decoding"))
        });
        assert_eq!(super::EXPECTED_LEN.get(), None);
    }

    #[test]
    fn decodes_every_item_in_order_and_gives_back_unused_room() {
        for n in [0usize, 1, 3, 100, 2047, 2048, 5000] {
            let json = format!(
                r#"{{"results": [{}]}}"#,
                (0..n)
                    .map(|i| format!("[{i}, 1, 2, 3]"))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let page: Page = serde_json::from_str(&json).unwrap();
            assert_eq!(page.results.len(), n);
            assert!(page
                .results
                .iter()
                .enumerate()
                .all(|(i, r)| r[0] == i as u64));
            assert!(page.results.capacity() <= (2 * n).max(4), "{n}");
            // Already decoded values (another deserializer) announce their length.
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(Page::deserialize(&value).unwrap().results, page.results);
        }
        assert!(serde_json::from_str::<Page>(r#"{"results": {}}"#).is_err());
        assert!(serde_json::from_str::<Page>(r#"{"results": [[1]]}"#).is_err());
        assert!(serde_json::from_str::<Page>("{}").is_err());
    }
}
