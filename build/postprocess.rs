//! The passes over progenitor's output (each covered by `tests/spec.rs`, which fails if
//! progenitor's output changes shape so that a pass no longer applies).

use syn::visit_mut::VisitMut;

/// Adds `alias = "snake_case"` beside every generated `rename = "camelCase"`, decodes every
/// page's `results` list with `crate::wire::page_items` (room for a page up front), and drops the
/// statements that add the `api-version` header.
pub struct PostProcess;

/// Whether `field` is a page's `results: ::std::vec::Vec<_>` (not a builder's `Result<..>`).
fn is_page_results(field: &syn::Field) -> bool {
    let named = field.ident.as_ref().is_some_and(|i| i == "results");
    let syn::Type::Path(ty) = &field.ty else {
        return false;
    };
    named && ty.path.segments.last().is_some_and(|s| s.ident == "Vec")
}

impl VisitMut for PostProcess {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        block.stmts.retain(|stmt| {
            let text = quote::ToTokens::to_token_stream(stmt).to_string();
            !(text.starts_with("header_map . append") && text.contains("\"api-version\""))
        });
        syn::visit_mut::visit_block_mut(self, block);
    }

    fn visit_field_mut(&mut self, field: &mut syn::Field) {
        if is_page_results(field) {
            field.attrs.push(syn::parse_quote!(
                #[serde(deserialize_with = "crate::wire::page_items")]
            ));
        }
        for attr in &mut field.attrs {
            if !attr.path().is_ident("serde") {
                continue;
            }
            let syn::Meta::List(list) = &mut attr.meta else {
                continue;
            };
            let text = list.tokens.to_string();
            let Some(camel) = rename_value(&text) else {
                continue;
            };
            let snake = to_snake(&camel);
            if snake != camel {
                let alias: proc_macro2::TokenStream = format!(", alias = \"{snake}\"")
                    .parse()
                    .expect("a valid token stream");
                list.tokens.extend(alias);
            }
        }
        syn::visit_mut::visit_field_mut(self, field);
    }
}

fn rename_value(attr_tokens: &str) -> Option<String> {
    let at = attr_tokens.find("rename")?;
    let rest = &attr_tokens[at + "rename".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

fn to_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
