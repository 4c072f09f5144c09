//! Decoding a JSON body (a response, a webhook, a whole completion): the one path every typed
//! body takes.
//!
//! The body's UTF-8 is checked once, and the text is handed to `serde_json` as a `str`: the
//! parser then checks no string, key or raw scalar again (from bytes it validates each of them
//! on its own, about a sixth of the time of decoding a conversation). The check is the standard
//! library's: in the request benchmark (`SDK_VS_RAW_PROFILE=requests`) it did a little better
//! than `simdutf8`'s AVX2 check, which wins only in a tight loop. A body that is not UTF-8, and
//! any body that fails, is decoded once more from its bytes with the path of every field tracked
//! (which allocates per field): the error names the failing field, and a body whose only invalid
//! UTF-8 is in a field the type ignores still decodes, as `serde_json::from_slice` allows.

use crate::Error;
use serde::de::DeserializeOwned;

/// Decodes `bytes` as a `T`; `what` names the body in an error ("the webhook body"), and the
/// failing field's path is appended to it (``the webhook body at `sender.id` ``).
pub(crate) fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    what: impl FnOnce() -> String,
) -> Result<T, Error> {
    let fast = std::str::from_utf8(bytes).ok().map(serde_json::from_str);
    match fast {
        Some(Ok(value)) => Ok(value),
        _ => decode_tracking_path(bytes, what()),
    }
}

/// [`decode`] with the failing field's path in the error.
#[cold]
fn decode_tracking_path<T: DeserializeOwned>(bytes: &[u8], what: String) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let what = if path.is_empty() || path == "." {
            what.clone()
        } else {
            format!("{what} at `{path}`")
        };
        Error::decode(&what, bytes, e.into_inner())
    })?;
    de.end().map_err(|e| Error::decode(&what, bytes, e))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::decode;
    use crate::Error;
    use std::collections::BTreeMap;

    fn what() -> String {
        "the body".to_string()
    }

    #[test]
    fn text_and_bytes_decode_alike() {
        let json = r#"{"a":"王小明","b":"\u00e9\n","c":"plain"}"#;
        let map: BTreeMap<String, String> = decode(json.as_bytes(), what).unwrap();
        assert_eq!(map["a"], "王小明");
        assert_eq!(map["b"], "é\n");
        assert_eq!(map["c"], "plain");
    }

    #[test]
    fn invalid_utf8_is_a_decode_error_naming_the_field() {
        let mut body = br#"{"a":"ok","b":""#.to_vec();
        body.extend_from_slice(&[0xff, 0xfe]);
        body.extend_from_slice(br#""}"#);
        let err = decode::<BTreeMap<String, String>>(&body, what).unwrap_err();
        match err {
            Error::Decode { what, source, .. } => {
                assert_eq!(what, "the body at `b`");
                assert!(source.to_string().contains("unicode"), "{source}");
            }
            other => panic!("not a decode error: {other:?}"),
        }
    }

    #[test]
    fn invalid_utf8_in_an_ignored_field_still_decodes() {
        #[derive(serde::Deserialize)]
        struct Only {
            a: u8,
        }
        let mut body = br#"{"skipped":""#.to_vec();
        body.extend_from_slice(&[0xff]);
        body.extend_from_slice(br#"","a":7}"#);
        assert_eq!(decode::<Only>(&body, what).unwrap().a, 7);
    }

    #[test]
    fn a_wrong_type_names_its_path_and_trailing_text_fails() {
        let err = decode::<BTreeMap<String, u8>>(br#"{"a":1,"b":"x"}"#, what).unwrap_err();
        assert!(
            matches!(&err, Error::Decode { what, .. } if what == "the body at `b`"),
            "{err:?}"
        );
        let err = decode::<BTreeMap<String, u8>>(br#"{"a":1} x"#, what).unwrap_err();
        assert!(
            matches!(&err, Error::Decode { what, .. } if what == "the body"),
            "{err:?}"
        );
    }
}
