//! The `results` list of a page, decoded into a list sized for a page up front.
//!
//! `serde_json` does not tell a list's length in advance, so serde's own `Vec` decoding starts
//! empty and grows four, eight, sixteen… items at a time: a page of 100 messages (464 bytes each)
//! is copied some 124 items' worth on the way. Here the list starts with room for about 64 KiB
//! of items (141 messages), grows as usual past that, and gives back the room it did not use
//! when that is more than half.

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// The room a page's list starts with, in bytes.
const PAGE_BYTES: usize = 64 * 1024;

/// At most this many items of room up front, whatever their size.
const MAX_ITEMS: usize = 1024;

/// Decodes a page's `results` (`#[serde(deserialize_with)]`, added by the build script to
/// every generated page).
pub(crate) fn page_items<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    d.deserialize_seq(Items(PhantomData))
}

/// The room for a page of `T`s: from the list's announced length when there is one (never more
/// than [`MAX_ITEMS`]), else about [`PAGE_BYTES`] of items.
fn room<T>(announced: Option<usize>) -> usize {
    let fits = PAGE_BYTES / std::mem::size_of::<T>().max(1);
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
        let mut items = Vec::with_capacity(room::<T>(seq.size_hint()));
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
    use super::{page_items, room};
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Page {
        #[serde(deserialize_with = "page_items")]
        results: Vec<[u64; 4]>,
    }

    #[test]
    fn room_is_about_64_kib_of_items_and_bounded() {
        assert_eq!(room::<[u8; 464]>(None), 141);
        assert_eq!(room::<[u8; 464]>(Some(7)), 7);
        assert_eq!(room::<[u8; 464]>(Some(usize::MAX)), 141);
        assert_eq!(room::<u8>(None), 1024);
        assert_eq!(room::<()>(None), 1024);
        assert_eq!(room::<[u8; 1 << 20]>(None), 0);
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
