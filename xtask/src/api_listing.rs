//! `openapi/generated/api.md`: a compact, human-readable listing of the generated client, read
//! from the generated code itself (parsed with `syn`), with each parameter's location and each
//! response's media types taken from the spec.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use syn::{Attribute, Fields, GenericArgument, ImplItem, Item, PathArguments, ReturnType, Type};

/// Renders the listing of `client` (the text of `maiagent_generated.rs`).
pub fn render(client: &str, spec: &Value) -> Result<String, String> {
    let file = syn::parse_file(client)
        .map_err(|e| format!("the generated client does not parse as Rust: {e}"))?;
    let types_mod = module(&file.items, "types")
        .ok_or("the generated client has no `mod types`".to_string())?;
    let builder_mod = module(&file.items, "builder")
        .ok_or("the generated client has no `mod builder`".to_string())?;

    let mut out = String::new();
    out.push_str(
        "# MaiAgent API: the generated client at a glance\n\n\
         Derived from `openapi/maiagent.yaml` by `cargo xtask regen` (do not edit; `cargo xtask check`\n\
         fails when it is stale). It lists what `build/main.rs` generates with progenitor: the operations of\n\
         `maiagent::generated::Client` and the types of `maiagent::types`. Every camelCase field also\n\
         accepts its snake_case spelling when decoding. The full generated code is in `client.rs.txt`.\n",
    );

    out.push_str("\n## Operations\n");
    let mut count = 0;
    for item in &file.items {
        let Item::Impl(imp) = item else { continue };
        if !is_type_named(&imp.self_ty, "Client") || imp.trait_.is_some() {
            continue;
        }
        for method in imp.items.iter().filter_map(|i| match i {
            ImplItem::Fn(f) => Some(f),
            _ => None,
        }) {
            let ReturnType::Type(_, ret) = &method.sig.output else {
                continue;
            };
            let Some(builder_name) = builder_of(ret) else {
                continue;
            };
            let name = method.sig.ident.to_string();
            operation(&mut out, &name, &builder_name, builder_mod, spec)?;
            count += 1;
        }
    }
    if count == 0 {
        return Err(
            "the generated client has no operation (no `impl Client` builder method)".into(),
        );
    }

    out.push_str("\n## Types\n");
    for item in types_mod {
        match item {
            Item::Struct(s) => {
                let _ = write!(out, "\n### `{}`\n\n", s.ident);
                doc_line(&mut out, &s.attrs);
                match &s.fields {
                    Fields::Named(named) => {
                        for f in &named.named {
                            let ident = f.ident.as_ref().map(ToString::to_string);
                            let ident = ident.unwrap_or_default();
                            let serde = serde_attrs(&f.attrs);
                            let wire = serde
                                .rename
                                .clone()
                                .unwrap_or_else(|| ident.trim_start_matches("r#").to_string());
                            let mut line = format!("- `{wire}`: `{}`", type_text(&f.ty));
                            if serde.default {
                                line.push_str(" (default when absent)");
                            }
                            if wire != ident.trim_start_matches("r#") {
                                let _ = write!(line, " (field `{ident}`)");
                            }
                            out.push_str(&line);
                            out.push('\n');
                        }
                        if named.named.is_empty() {
                            out.push_str("- (no fields)\n");
                        }
                    }
                    Fields::Unnamed(unnamed) => {
                        let inner: Vec<String> =
                            unnamed.unnamed.iter().map(|f| type_text(&f.ty)).collect();
                        let _ = writeln!(out, "- newtype of `{}`", inner.join(", "));
                    }
                    Fields::Unit => out.push_str("- (unit)\n"),
                }
            }
            Item::Enum(e) => {
                let _ = write!(out, "\n### `{}` (enum)\n\n", e.ident);
                doc_line(&mut out, &e.attrs);
                for v in &e.variants {
                    let wire = serde_attrs(&v.attrs).rename.unwrap_or(v.ident.to_string());
                    let payload = match &v.fields {
                        Fields::Unnamed(u) => format!(
                            "({})",
                            u.unnamed
                                .iter()
                                .map(|f| type_text(&f.ty))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        _ => String::new(),
                    };
                    let _ = writeln!(out, "- `{wire}`: `{}{payload}`", v.ident);
                }
            }
            Item::Type(t) => {
                let _ = write!(
                    out,
                    "\n### `{}`\n\n- alias of `{}`\n",
                    t.ident,
                    type_text(&t.ty)
                );
            }
            _ => {}
        }
    }

    out.push_str(
        "\n## Hand-written types\n\n\
         Schemas the spec maps to a type of `src/wire/` (`x-maiagent-rust`); the generated code uses\n\
         the hand-written type wherever the schema is referenced.\n\n",
    );
    let mut replaced = BTreeMap::new();
    if let Some(schemas) = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            if let Some(path) = schema.get("x-maiagent-rust").and_then(Value::as_str) {
                let open = schema
                    .get("x-maiagent-open-enum")
                    .and_then(Value::as_array)
                    .map(|values| {
                        let v: Vec<String> = values
                            .iter()
                            .map(|v| format!("`{}`", v.as_str().unwrap_or("?")))
                            .collect();
                        format!(" (open enum: {}, or any other value)", v.join(", "))
                    })
                    .unwrap_or_default();
                replaced.insert(name.clone(), format!("`{path}`{open}"));
            }
        }
    }
    for (name, line) in replaced {
        let _ = writeln!(out, "- `{name}` → {line}");
    }
    Ok(out)
}

/// Writes one operation: the client method, its HTTP method and path, its parameters, its body
/// and its response.
fn operation(
    out: &mut String,
    method: &str,
    builder_name: &str,
    builder_mod: &[Item],
    spec: &Value,
) -> Result<(), String> {
    let strukt = builder_mod
        .iter()
        .find_map(|i| match i {
            Item::Struct(s) if s.ident == builder_name => Some(s),
            _ => None,
        })
        .ok_or(format!("no builder struct `{builder_name}` for `{method}`"))?;
    let send = builder_mod
        .iter()
        .filter_map(|i| match i {
            Item::Impl(imp) if is_type_named(&imp.self_ty, builder_name) => Some(imp),
            _ => None,
        })
        .flat_map(|imp| imp.items.iter())
        .find_map(|i| match i {
            ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
            _ => None,
        })
        .ok_or(format!("no `send` for the builder of `{method}`"))?;
    let request = docs(&send.attrs)
        .lines()
        .find_map(|l| l.trim().strip_prefix("Sends a ").map(str::to_string))
        .ok_or(format!("no \"Sends a ...\" line on `{method}`'s send"))?;
    // "`POST` request to `/chatbots/{chatbotId}/completions/`"
    let parts: Vec<&str> = request.split('`').collect();
    let (http, path) = match parts.as_slice() {
        [_, http, _, path, ..] => (http.to_string(), path.to_string()),
        _ => {
            return Err(format!(
                "cannot read the request line {request:?} of `{method}`"
            ))
        }
    };
    let op = spec_operation(spec, method);
    let _ = write!(out, "\n### `{method}`: {http} `{path}`\n\n");
    if let Some(summary) = op.and_then(|o| o.get("summary")).and_then(Value::as_str) {
        let _ = writeln!(out, "{summary}\n");
    }
    let Fields::Named(fields) = &strukt.fields else {
        return Err(format!("the builder of `{method}` has no named fields"));
    };
    for f in &fields.named {
        let Some(ident) = &f.ident else { continue };
        let name = ident.to_string();
        if name == "client" {
            continue;
        }
        // Builder fields are `Result<T, String>`: T is the value's type.
        let ty = first_generic(&f.ty).map_or_else(|| type_text(&f.ty), type_text);
        if name == "body" {
            let _ = writeln!(out, "- body: `{ty}`{}", body_media(op));
        } else {
            let location = op
                .and_then(|o| o.get("parameters"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|p| {
                    p.get("name").and_then(Value::as_str).map(snake).as_deref() == Some(&name)
                })
                .and_then(|p| p.get("in").and_then(Value::as_str))
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            let _ = writeln!(out, "- `{name}`: `{ty}`{location}");
        }
    }
    let ReturnType::Type(_, ret) = &send.sig.output else {
        return Err(format!("`{method}`'s send returns nothing"));
    };
    let _ = writeln!(out, "- returns `{}`{}", type_text(ret), response_media(op));
    Ok(())
}

fn spec_operation<'a>(spec: &'a Value, operation_id: &str) -> Option<&'a Value> {
    spec.get("paths")?
        .as_object()?
        .values()
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .find(|op| op.get("operationId").and_then(Value::as_str) == Some(operation_id))
}

fn body_media(op: Option<&Value>) -> String {
    let media: Vec<&str> = op
        .and_then(|o| o.pointer("/requestBody/content"))
        .and_then(Value::as_object)
        .map(|c| c.keys().map(String::as_str).collect())
        .unwrap_or_default();
    if media.is_empty() {
        String::new()
    } else {
        format!(" as {}", media.join(", "))
    }
}

fn response_media(op: Option<&Value>) -> String {
    let Some(responses) = op
        .and_then(|o| o.get("responses"))
        .and_then(Value::as_object)
    else {
        return String::new();
    };
    let parts: Vec<String> = responses
        .iter()
        .map(|(status, r)| {
            let media: Vec<&str> = r
                .get("content")
                .and_then(Value::as_object)
                .map(|c| c.keys().map(String::as_str).collect())
                .unwrap_or_default();
            if media.is_empty() {
                format!("{status} without a body")
            } else {
                format!("{status} {}", media.join(" or "))
            }
        })
        .collect();
    format!(" ({})", parts.join("; "))
}

/// The items of the top-level `mod <name> { ... }`.
fn module<'a>(items: &'a [Item], name: &str) -> Option<&'a [Item]> {
    items.iter().find_map(|i| match i {
        Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| items.as_slice()),
        _ => None,
    })
}

fn is_type_named(ty: &Type, name: &str) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
}

/// `builder::X<'_>` → `X`.
fn builder_of(ty: &Type) -> Option<String> {
    let Type::Path(p) = ty else { return None };
    let segments: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    match segments.as_slice() {
        [module, name] if module == "builder" => Some(name.clone()),
        _ => None,
    }
}

/// The first generic type argument of a path type (`Result<T, E>` → `T`).
fn first_generic(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// A type as a reader writes it: `::std::option::Option<crate::types::Id>` → `Option<Id>`,
/// `types::builder::MessageCreate` → `MessageCreate`; other crates keep their name
/// (`serde_json::Value`).
fn type_text(ty: &Type) -> String {
    match ty {
        Type::Path(p) => {
            const PLUMBING: [&str; 14] = [
                "std",
                "core",
                "alloc",
                "crate",
                "self",
                "super",
                "types",
                "builder",
                "option",
                "boxed",
                "vec",
                "string",
                "collections",
                "convert",
            ];
            let segments: Vec<_> = p.path.segments.iter().collect();
            let mut parts = Vec::new();
            for (i, seg) in segments.iter().enumerate() {
                let last = i + 1 == segments.len();
                let ident = seg.ident.to_string();
                if !last && PLUMBING.contains(&ident.as_str()) {
                    continue;
                }
                let mut text = ident;
                if let PathArguments::AngleBracketed(args) = &seg.arguments {
                    let inner: Vec<String> = args
                        .args
                        .iter()
                        .filter_map(|a| match a {
                            GenericArgument::Type(t) => Some(type_text(t)),
                            _ => None,
                        })
                        .collect();
                    if !inner.is_empty() {
                        let _ = write!(text, "<{}>", inner.join(", "));
                    }
                }
                parts.push(text);
            }
            parts.join("::")
        }
        Type::Reference(r) => format!(
            "&{}{}",
            if r.mutability.is_some() { "mut " } else { "" },
            type_text(&r.elem)
        ),
        Type::Tuple(t) => format!(
            "({})",
            t.elems.iter().map(type_text).collect::<Vec<_>>().join(", ")
        ),
        Type::Slice(s) => format!("[{}]", type_text(&s.elem)),
        Type::Paren(p) => type_text(&p.elem),
        Type::Group(g) => type_text(&g.elem),
        _ => "…".to_string(),
    }
}

/// The doc comment of an item, its lines joined.
fn docs(attrs: &[Attribute]) -> String {
    let mut text = String::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                text.push_str(&s.value());
                text.push('\n');
            }
        }
    }
    text
}

/// Writes the first paragraph of an item's doc comment, on one line.
fn doc_line(out: &mut String, attrs: &[Attribute]) {
    let text = docs(attrs);
    let paragraph: Vec<&str> = text
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .collect();
    if !paragraph.is_empty() {
        let _ = writeln!(out, "{}\n", paragraph.join(" "));
    }
}

#[derive(Default)]
struct SerdeAttrs {
    rename: Option<String>,
    default: bool,
}

fn serde_attrs(attrs: &[Attribute]) -> SerdeAttrs {
    let mut found = SerdeAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            if meta.input.peek(syn::Token![=]) {
                let value: syn::Expr = meta.value()?.parse()?;
                if key == "rename" {
                    if let syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) = value
                    {
                        found.rename = Some(s.value());
                    }
                }
            } else if key == "default" {
                found.default = true;
            }
            Ok(())
        });
    }
    found
}

/// `chatbotId` → `chatbot_id`, the way progenitor names parameters.
fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '-' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_read_like_rust() {
        let ty: Type = syn::parse_str(
            "::std::option::Option<::serde_json::Map<::std::string::String, ::serde_json::Value>>",
        )
        .unwrap();
        assert_eq!(
            type_text(&ty),
            "Option<serde_json::Map<String, serde_json::Value>>"
        );
        let ty: Type = syn::parse_str("Result<ResponseValue<types::Message>, Error<()>>").unwrap();
        assert_eq!(type_text(&ty), "Result<ResponseValue<Message>, Error<()>>");
        let ty: Type = syn::parse_str("crate::types::Id").unwrap();
        assert_eq!(type_text(&ty), "Id");
    }

    #[test]
    fn snake_case_names() {
        assert_eq!(snake("chatbotId"), "chatbot_id");
        assert_eq!(snake("pageSize"), "page_size");
        assert_eq!(snake("id"), "id");
    }
}
