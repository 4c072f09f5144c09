//! The open enums: one `open_enum!` invocation (the macro is in `src/wire/open_enum.rs`) per
//! component schema with `x-maiagent-open-enum: [values]`, so that enum values are written once,
//! in the spec.

use serde_json::Value;

/// The Rust source of every open enum of `spec`, sorted by schema name.
pub fn generate(spec: &Value) -> Result<String, String> {
    let mut out = String::new();
    let Some(schemas) = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Ok(out);
    };
    for (name, schema) in schemas {
        let Some(values) = schema.get("x-maiagent-open-enum") else {
            continue;
        };
        let values = values
            .as_array()
            .ok_or_else(|| format!("{name}: x-maiagent-open-enum must be a list of strings"))?;
        let description = schema
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("An open enum.");
        out.push_str("open_enum! {\n");
        for line in description.trim().lines() {
            out.push_str(&format!("    #[doc = {:?}]\n", line.trim_end()));
        }
        out.push_str(&format!("    {name} {{\n"));
        let mut variants = Vec::new();
        for value in values {
            let value = value
                .as_str()
                .ok_or_else(|| format!("{name}: open enum value {value} is not a string"))?;
            let variant = variant_name(value)
                .ok_or_else(|| format!("{name}: no Rust variant name for {value:?}"))?;
            if variants.contains(&variant) {
                return Err(format!("{name}: two values map to the variant {variant}"));
            }
            out.push_str(&format!(
                "        #[doc = \"The value `{value}`.\"]\n        {variant} = {value:?},\n"
            ));
            variants.push(variant);
        }
        out.push_str("    }\n}\n\n");
    }
    Ok(out)
}

/// `web` → `Web`, `chatbot-file` → `ChatbotFile`, `text/plain` → `TextPlain`.
pub fn variant_name(value: &str) -> Option<String> {
    let mut out = String::new();
    for part in value.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    let starts_ok = out.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    (starts_ok && out != "Unknown").then_some(out)
}
