//! The app's commands, read from `src/commands.rs`: every `#[tauri::command]` function with its
//! documentation, the arguments the window passes and its result. A command is written once, as that
//! function; build.rs derives the handler list, the permissions and the capability from this, and
//! the `typescript_client` test derives the window's client (`ui/src/backend/commands.ts`).

#![allow(dead_code)] // build.rs uses the reading, the test also the TypeScript.

use std::fmt::Write as _;

pub struct Command {
    pub name: String,
    pub doc: Vec<String>,
    /// The arguments the window passes (the Tauri-injected state and handles left out).
    pub args: Vec<(String, syn::Type)>,
    /// What the command answers: `T` of `Result<T, ApiError>`, or the plain result; None for `()`.
    pub output: Option<syn::Type>,
}

/// Parameters Tauri fills in itself, by their type's last path segment.
const INJECTED: &[&str] = &["Shell", "State", "AppHandle", "Window", "WebviewWindow"];

pub fn read(source: &str) -> Result<Vec<Command>, String> {
    let file = syn::parse_file(source).map_err(|e| format!("src/commands.rs: {e}"))?;
    let mut commands = Vec::new();
    for item in file.items {
        let syn::Item::Fn(function) = item else {
            continue;
        };
        let is_command = function.attrs.iter().any(|a| {
            let path = a.path();
            path.segments.len() == 2
                && path.segments[0].ident == "tauri"
                && path.segments[1].ident == "command"
        });
        if !is_command {
            continue;
        }
        let name = function.sig.ident.to_string();
        let doc = function
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .filter_map(|a| match &a.meta {
                syn::Meta::NameValue(syn::MetaNameValue {
                    value:
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(text),
                            ..
                        }),
                    ..
                }) => Some(text.value().trim().to_string()),
                _ => None,
            })
            .collect();
        let mut args = Vec::new();
        for input in &function.sig.inputs {
            let syn::FnArg::Typed(typed) = input else {
                return Err(format!("{name}: a command is a free function"));
            };
            if INJECTED.contains(&last_segment(&typed.ty).unwrap_or_default().as_str()) {
                continue;
            }
            let syn::Pat::Ident(ident) = &*typed.pat else {
                return Err(format!("{name}: arguments must be plain names"));
            };
            args.push((ident.ident.to_string(), (*typed.ty).clone()));
        }
        let output = match &function.sig.output {
            syn::ReturnType::Default => None,
            syn::ReturnType::Type(_, ty) => match generic_args(ty, "Result") {
                Some(inner) => inner.first().cloned().filter(|t| !is_unit(t)),
                None => Some((**ty).clone()),
            },
        };
        commands.push(Command {
            name,
            doc,
            args,
            output,
        });
    }
    Ok(commands)
}

fn last_segment(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn is_unit(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Tuple(tuple) if tuple.elems.is_empty())
}

/// The type arguments of `ty` when it is `wrapper<...>`.
fn generic_args(ty: &syn::Type, wrapper: &str) -> Option<Vec<syn::Type>> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    Some(
        arguments
            .args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            })
            .collect(),
    )
}

/// `snake_case` as `camelCase` (Tauri's naming of command arguments on the JavaScript side).
pub fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The TypeScript of a Rust argument or result type; named types are the generated bindings'.
pub fn typescript(
    ty: &syn::Type,
    named: &mut std::collections::BTreeSet<String>,
) -> Result<String, String> {
    if is_unit(ty) {
        return Ok("void".into());
    }
    let name = last_segment(ty).ok_or_else(|| "an unsupported type".to_string())?;
    let inner =
        |wrapper: &str, named: &mut std::collections::BTreeSet<String>| -> Result<String, String> {
            let args = generic_args(ty, wrapper).unwrap_or_default();
            let first = args
                .first()
                .ok_or_else(|| format!("{wrapper} without a type"))?;
            typescript(first, named)
        };
    Ok(match name.as_str() {
        "String" | "str" | "PathBuf" => "string".into(),
        "bool" => "boolean".into(),
        "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "f32" | "f64" | "usize" => {
            "number".into()
        }
        "Option" => format!("{} | null", inner("Option", named)?),
        "Vec" => {
            let element = inner("Vec", named)?;
            if element.contains(' ') {
                format!("({element})[]")
            } else {
                format!("{element}[]")
            }
        }
        other => {
            named.insert(other.to_string());
            other.to_string()
        }
    })
}

/// The window's client: the `Commands` interface (one method per command, arguments in order) and
/// the table the Tauri backend invokes them by.
pub fn typescript_client(commands: &[Command]) -> Result<String, String> {
    let mut named = std::collections::BTreeSet::new();
    let mut interface = String::new();
    let mut table = String::new();
    for command in commands {
        let method = camel(&command.name);
        if !command.doc.is_empty() {
            let _ = writeln!(interface, "  /** {} */", command.doc.join(" "));
        }
        let mut params = Vec::new();
        let mut names = Vec::new();
        for (arg, ty) in &command.args {
            let ts =
                typescript(ty, &mut named).map_err(|e| format!("{}({arg}): {e}", command.name))?;
            params.push(format!("{}: {ts}", camel(arg)));
            names.push(format!("\"{}\"", camel(arg)));
        }
        let output = match &command.output {
            Some(ty) => typescript(ty, &mut named).map_err(|e| format!("{}: {e}", command.name))?,
            None => "void".into(),
        };
        let _ = writeln!(
            interface,
            "  {method}({}): Promise<{output}>;",
            params.join(", ")
        );
        let _ = writeln!(
            table,
            "  {method}: {{ command: \"{}\", args: [{}] }},",
            command.name,
            names.join(", ")
        );
    }
    let imports = named.into_iter().collect::<Vec<_>>().join(", ");
    Ok(format!(
        "// Generated from src-tauri/src/commands.rs (`UPDATE_BINDINGS=1 cargo test -p agentdesk --test commands`):\n\
         // do not edit. One method per command of the core, its arguments in the Rust order.\n\n\
         import type {{ {imports} }} from \"./bindings\";\n\n\
         export interface Commands {{\n{interface}}}\n\n\
         /** How each method is invoked: the command's name and its arguments' names, in order. */\n\
         export const COMMANDS: {{ [K in keyof Commands]: {{ command: string; args: string[] }} }} = {{\n{table}}};\n"
    ))
}

/// A Rust function visiting, with a `ts_rs::TypeVisitor`, every type a command takes or gives (and
/// the error every command can answer): the roots of the window's bindings. It is compiled where
/// `src/commands.rs`'s names are in scope.
pub fn type_visits(commands: &[Command]) -> String {
    let mut types = std::collections::BTreeSet::new();
    for command in commands {
        for ty in command.args.iter().map(|(_, ty)| ty).chain(&command.output) {
            types.insert(
                rust_type(ty).unwrap_or_else(|| {
                    panic!("{}: a type build.rs cannot name again", command.name)
                }),
            );
        }
    }
    let mut out = String::from(
        "/// Visits every type a command takes or gives (generated by build.rs from src/commands.rs).\n\
         pub fn visit_command_types(visitor: &mut impl ts_rs::TypeVisitor) {\n    visitor.visit::<ApiError>();\n",
    );
    for ty in types {
        let _ = writeln!(out, "    visitor.visit::<{ty}>();");
    }
    out.push_str("}\n");
    out
}

/// A type as Rust source (paths and their type arguments: what commands take and give).
fn rust_type(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Tuple(tuple) if tuple.elems.is_empty() => Some("()".into()),
        syn::Type::Path(path) => {
            let mut segments = Vec::new();
            for segment in &path.path.segments {
                let mut text = segment.ident.to_string();
                if let syn::PathArguments::AngleBracketed(arguments) = &segment.arguments {
                    let args = arguments
                        .args
                        .iter()
                        .map(|a| match a {
                            syn::GenericArgument::Type(t) => rust_type(t),
                            _ => None,
                        })
                        .collect::<Option<Vec<_>>>()?;
                    text = format!("{text}<{}>", args.join(", "));
                }
                segments.push(text);
            }
            Some(segments.join("::"))
        }
        _ => None,
    }
}
