//! Boxes large nested objects: a field whose type is a schema marked `x-maiagent-boxed: true`
//! (or an `Option` of one) is held in a `Box` in the generated struct, so that the struct stays
//! small where it moves (through the layers of a call, into a stream's items). The generated
//! builders keep taking the plain value; their conversions to and from the struct box and unbox.
//! The build fails if a boxed field's conversions are not where progenitor used to put them.

use std::collections::{BTreeMap, BTreeSet};
use syn::visit_mut::VisitMut;

/// The boxing pass (see the module documentation).
pub struct Boxing {
    /// The schemas to box where they are nested.
    boxed: BTreeSet<String>,
    /// Per struct, its boxed fields: (name, optional), with how many conversions were rewritten.
    fields: BTreeMap<String, Vec<(String, bool, u8)>>,
    /// The boxed schemas met in a field.
    nested: BTreeSet<String>,
    /// Whether the struct definitions have been visited (then the builders' conversions are).
    structs_done: bool,
}

impl Boxing {
    /// A pass boxing the component schemas of `spec` marked `x-maiagent-boxed: true`.
    pub fn from_spec(spec: &serde_json::Value) -> Self {
        let boxed = spec
            .pointer("/components/schemas")
            .and_then(|s| s.as_object())
            .into_iter()
            .flatten()
            .filter(|(_, schema)| {
                schema.get("x-maiagent-boxed") == Some(&serde_json::Value::Bool(true))
            })
            .map(|(name, _)| name.clone())
            .collect();
        Self {
            boxed,
            fields: BTreeMap::new(),
            nested: BTreeSet::new(),
            structs_done: false,
        }
    }

    /// Runs the pass over `file`; an error says what no longer matches progenitor's output.
    pub fn apply(mut self, file: &mut syn::File) -> Result<(), String> {
        self.visit_file_mut(file);
        self.structs_done = true;
        self.visit_file_mut(file);
        let mut problems = Vec::new();
        for (name, fields) in &self.fields {
            for (field, _, rewritten) in fields {
                if *rewritten != 2 {
                    problems.push(format!(
                        "{name}.{field}: {rewritten} of the 2 builder conversions found"
                    ));
                }
            }
        }
        for schema in self.boxed.difference(&self.nested) {
            problems.push(format!(
                "{schema} is marked x-maiagent-boxed but nested nowhere"
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("the boxing pass: {}", problems.join("; ")))
        }
    }

    /// `ty` boxed when it is a boxed schema or an `Option` of one; `Some(optional)` then.
    fn box_type(&mut self, ty: &mut syn::Type) -> Option<bool> {
        if self.is_boxed(ty) {
            *ty = syn::parse_quote!(::std::boxed::Box<#ty>);
            return Some(false);
        }
        let syn::Type::Path(path) = ty else {
            return None;
        };
        let last = path.path.segments.last_mut()?;
        if last.ident != "Option" {
            return None;
        }
        let syn::PathArguments::AngleBracketed(args) = &mut last.arguments else {
            return None;
        };
        let Some(syn::GenericArgument::Type(inner)) = args.args.first_mut() else {
            return None;
        };
        if !self.is_boxed(inner) {
            return None;
        }
        *inner = syn::parse_quote!(::std::boxed::Box<#inner>);
        Some(true)
    }

    /// Whether `ty` names a boxed schema (a plain path, as progenitor writes them); the schema
    /// is then recorded as nested.
    fn is_boxed(&mut self, ty: &syn::Type) -> bool {
        let syn::Type::Path(path) = ty else {
            return false;
        };
        let [segment] = path.path.segments.iter().collect::<Vec<_>>()[..] else {
            return false;
        };
        let name = segment.ident.to_string();
        let boxed =
            path.qself.is_none() && segment.arguments.is_empty() && self.boxed.contains(&name);
        if boxed {
            self.nested.insert(name);
        }
        boxed
    }
}

impl VisitMut for Boxing {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        if self.structs_done {
            return;
        }
        let mut boxed = Vec::new();
        // Named fields only: a newtype (`WebhookMessage(Message)`) is the value itself.
        for field in &mut item.fields {
            let Some(name) = field.ident.as_ref().map(ToString::to_string) else {
                continue;
            };
            if let Some(optional) = self.box_type(&mut field.ty) {
                boxed.push((name, optional, 0));
            }
        }
        if !boxed.is_empty() {
            self.fields.insert(item.ident.to_string(), boxed);
        }
    }

    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        if !self.structs_done {
            return;
        }
        let Some((trait_path, _)) = &item.trait_ else {
            return;
        };
        let Some(conversion) = trait_path.segments.last() else {
            return;
        };
        let self_ty = quote::ToTokens::to_token_stream(&item.self_ty).to_string();
        let (name, into_struct) = match conversion.ident.to_string().as_str() {
            // `impl TryFrom<builder::X> for super::X`: the builder's value is boxed.
            "TryFrom" => match self_ty.strip_prefix("super :: ") {
                Some(name) => (name.to_string(), true),
                None => return,
            },
            // `impl From<super::X> for builder::X`: the struct's box is opened.
            "From" => {
                let from = quote::ToTokens::to_token_stream(&conversion.arguments).to_string();
                if from != format!("< super :: {self_ty} >") {
                    return;
                }
                (self_ty, false)
            }
            _ => return,
        };
        let Some(fields) = self.fields.get_mut(&name) else {
            return;
        };
        let mut rewrite = Rewrite {
            fields,
            into_struct,
        };
        rewrite.visit_item_impl_mut(item);
    }
}

/// Rewrites the boxed fields' initialisers in one conversion impl.
struct Rewrite<'a> {
    fields: &'a mut Vec<(String, bool, u8)>,
    into_struct: bool,
}

impl VisitMut for Rewrite<'_> {
    fn visit_field_value_mut(&mut self, fv: &mut syn::FieldValue) {
        let syn::Member::Named(member) = &fv.member else {
            return;
        };
        let Some(entry) = self.fields.iter_mut().find(|(f, ..)| member == f) else {
            return;
        };
        let text = quote::ToTokens::to_token_stream(&fv.expr).to_string();
        let field = &entry.0;
        let expr = &fv.expr;
        fv.expr = match (self.into_struct, entry.1) {
            (true, _) if text != format!("value . {field} ?") => return,
            (true, true) => syn::parse_quote!(#expr.map(::std::boxed::Box::new)),
            (true, false) => syn::parse_quote!(::std::boxed::Box::new(#expr)),
            (false, _) if text != format!("Ok (value . {field})") => return,
            (false, true) => syn::parse_quote!(Ok(value.#member.map(|boxed| *boxed))),
            (false, false) => syn::parse_quote!(Ok(*value.#member)),
        };
        entry.2 += 1;
    }
}
