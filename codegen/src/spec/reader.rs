//! Reading YAML nodes with positions: mappings whose unknown and duplicate keys are reported,
//! scalars and lists of the expected kind.

use super::{Num, Str};
use crate::diag::{Diag, Diagnostics, Pos};
use crate::naming::did_you_mean;
use crate::yaml::{Kind, Node};

/// Reads nodes of one file, collecting diagnostics.
pub struct Reader<'a> {
    pub file: &'a str,
    pub diags: &'a mut Diagnostics,
}

/// A mapping being read: tracks which keys were consumed.
pub struct Obj<'n> {
    pub pos: Pos,
    entries: Vec<(String, &'n Node, &'n Node)>,
    used: Vec<bool>,
}

impl<'a> Reader<'a> {
    pub fn err(&mut self, pos: Pos, msg: impl Into<String>) -> &mut Diag {
        self.diags.push(Diag::new(self.file, pos, msg));
        self.diags.0.last_mut().expect("just pushed")
    }

    pub(super) fn expected(&mut self, node: &Node, what: &str, key: &str) {
        self.err(
            node.pos,
            format!("`{key}` must be {what}, found {}", node.kind.describe()),
        );
    }

    /// Opens a mapping; reports duplicate keys.
    pub fn obj<'n>(&mut self, node: &'n Node, key: &str) -> Option<Obj<'n>> {
        let Kind::Map(entries) = &node.kind else {
            self.expected(node, "a mapping", key);
            return None;
        };
        let mut out: Vec<(String, &'n Node, &'n Node)> = Vec::new();
        for (k, v) in entries {
            let Some(name) = k.scalar_text() else {
                self.err(k.pos, format!("keys of `{key}` must be plain scalars"));
                continue;
            };
            if let Some((_, first, _)) = out.iter().find(|(n, _, _)| *n == name) {
                let first = first.pos;
                self.err(k.pos, format!("duplicate key `{name}` in `{key}`"))
                    .hint = Some(format!(
                    "first defined at line {}:{}",
                    first.line, first.col
                ));
                continue;
            }
            out.push((name, k, v));
        }
        let used = vec![false; out.len()];
        Some(Obj {
            pos: node.pos,
            entries: out,
            used,
        })
    }

    /// Reports keys not consumed, suggesting the closest known one.
    pub fn finish(&mut self, obj: Obj<'_>, known: &[&str], what: &str) {
        for (i, (name, k, _)) in obj.entries.iter().enumerate() {
            if obj.used[i] {
                continue;
            }
            let d = self.err(k.pos, format!("unknown key `{name}` in {what}"));
            d.hint = Some(match did_you_mean(name, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("known keys: {}", known.join(", ")),
            });
        }
    }

    pub fn str_node(&mut self, node: &Node, key: &str) -> Option<Str> {
        match &node.kind {
            Kind::Str(s) => Some(Str {
                value: s.clone(),
                pos: node.pos,
            }),
            Kind::Int(_) | Kind::Float(_) | Kind::Bool(_) => Some(Str {
                value: node.scalar_text().unwrap_or_default(),
                pos: node.pos,
            }),
            _ => {
                self.expected(node, "a string", key);
                None
            }
        }
    }

    pub fn req_str(&mut self, o: &mut Obj<'_>, key: &str, what: &str) -> Option<Str> {
        match o.take(key) {
            Some(n) => self.str_node(n, key),
            None => {
                self.err(o.pos, format!("missing required key `{key}` in {what}"));
                None
            }
        }
    }

    pub fn opt_str(&mut self, o: &mut Obj<'_>, key: &str) -> Option<Str> {
        o.take(key).and_then(|n| {
            if matches!(n.kind, Kind::Null) {
                None
            } else {
                self.str_node(n, key)
            }
        })
    }

    pub fn opt_text(&mut self, o: &mut Obj<'_>, key: &str) -> Option<String> {
        self.opt_str(o, key).map(|s| s.value)
    }

    pub fn bool(&mut self, o: &mut Obj<'_>, key: &str) -> bool {
        match o.take(key) {
            None => false,
            Some(Node {
                kind: Kind::Bool(b),
                ..
            }) => *b,
            Some(n) => {
                self.expected(n, "`true` or `false`", key);
                false
            }
        }
    }

    pub fn num(&mut self, node: &Node, key: &str) -> Option<Num> {
        match &node.kind {
            Kind::Int(i) => Some(Num {
                value: *i as f64,
                is_int: true,
                pos: node.pos,
            }),
            Kind::Float(f) => Some(Num {
                value: *f,
                is_int: false,
                pos: node.pos,
            }),
            _ => {
                self.expected(node, "a number", key);
                None
            }
        }
    }

    pub fn opt_num(&mut self, o: &mut Obj<'_>, key: &str) -> Option<Num> {
        o.take(key).and_then(|n| self.num(n, key))
    }

    pub fn seq<'n>(&mut self, node: &'n Node, key: &str) -> &'n [Node] {
        match &node.kind {
            Kind::Seq(items) => items,
            Kind::Null => &[],
            _ => {
                self.expected(node, "a list", key);
                &[]
            }
        }
    }
}

impl<'n> Obj<'n> {
    /// Takes the value of `key`, marking it used.
    pub fn take(&mut self, key: &str) -> Option<&'n Node> {
        let i = self.entries.iter().position(|(n, _, _)| n == key)?;
        self.used[i] = true;
        Some(self.entries[i].2)
    }

    /// All remaining entries (for maps whose keys are names), marking them used.
    pub fn take_all(&mut self) -> Vec<(Str, &'n Node)> {
        self.used.iter_mut().for_each(|u| *u = true);
        self.entries
            .iter()
            .map(|(n, k, v)| {
                (
                    Str {
                        value: n.clone(),
                        pos: k.pos,
                    },
                    *v,
                )
            })
            .collect()
    }
}
