//! Checks a documented sample response by decoding it with the SDK's own decoder: the
//! core crate's envelope pass (`sdk_core::envelope::decode_with`) over a seed built from the
//! declared output (`sdk_core::shape`), so the generator accepts exactly what the generated
//! SDK decodes. Nothing here restates a decoding rule.

use sdk_core::envelope::{EnvelopeSpec, Failure, decode_parts_with};
use sdk_core::shape::{FieldShape, ObjectSeed, ObjectShape, Shape, Shapes};

use crate::diag::{Diag, Diagnostics};
use crate::model::{Field, Model, NamedType, Operation, Protocol, Sources, Ty, TypeKind};

/// How the documented samples fared, for the summary line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SampleStats {
    /// Success samples that decode.
    pub decoded: usize,
    /// Error samples that decode as their documented code.
    pub errors: usize,
    /// Samples the importer marked unusable (`invalid:`), not decoded.
    pub invalid: usize,
    /// Samples of imported specs that do not decode (kept, marked, counted).
    pub undecodable: usize,
    /// Of the decoded ones (success or error), those the importer mended into JSON.
    pub repaired: usize,
    /// Of the decoded success samples, those that decode only with values set aside
    /// (imported specs are read tolerantly: `sdk_core::de::tolerant`).
    pub set_aside: usize,
    /// Operations without a success sample that decodes: the emulator answers them with a
    /// response synthesized from the type (`synth::response`).
    pub synthesized: usize,
}

/// The sample pass, after resolution: every documented sample of every operation must
/// decode (an error sample as its code); each one that does not is reported at its `name`
/// in the spec. A sample of an imported spec (`origin:`) that does not decode is marked
/// unusable with its cause and counted instead: the vendor's examples contradict its own
/// catalogue, and that must not block generation.
pub fn check_all(model: &mut Model, sources: &Sources, diags: &mut Diagnostics) -> SampleStats {
    // A model resolution found problems in may not be self-consistent (an alias that is also
    // a field): only a clean one is worth synthesizing responses for.
    let resolved = diags.is_empty();
    let mut stats = SampleStats::default();
    let mut marks = Vec::new();
    let mut asides = Vec::new();
    for (o, op) in model.ops.iter().enumerate() {
        for (i, sample) in op.samples.iter().enumerate() {
            if sample.unusable.is_some() {
                stats.invalid += 1;
                continue;
            }
            let key = (op.spec_file.clone(), sample.name.clone());
            // Duplicate names were reported by resolution and have no position here.
            let Some(pos) = sources.samples.get(&key) else {
                continue;
            };
            let (result, notes) = sdk_core::de::tolerant::collecting(|| check(model, op, sample));
            if result.is_ok() && sample.repaired.is_some() {
                stats.repaired += 1;
            }
            match result {
                Ok(()) if sample.error.is_some() => stats.errors += 1,
                Ok(()) => {
                    stats.decoded += 1;
                    if !notes.kept.is_empty() {
                        stats.set_aside += 1;
                        asides.push((o, i, set_aside_text(&notes.kept, notes.dropped)));
                    }
                }
                Err(e) if op.origin.is_some() => {
                    stats.undecodable += 1;
                    marks.push((o, i, e));
                }
                Err(e) => diags.push(Diag::new(
                    &op.spec_file,
                    *pos,
                    format!(
                        "sample `{}` ({}) does not decode: {e}",
                        sample.name, sample.file
                    ),
                )),
            }
        }
    }
    for (o, i, cause) in marks {
        model.ops[o].samples[i].unusable = Some(format!("does not decode: {cause}"));
    }
    for (o, i, text) in asides {
        model.ops[o].samples[i].set_aside = Some(text);
    }
    // What the emulator answers where no documented sample decodes must itself decode: a
    // failure is the synthesizer's bug, reported rather than committed.
    let unanswered = model
        .ops
        .iter()
        .filter(|op| replayable(op).next().is_none());
    for op in unanswered.filter(|_| resolved) {
        stats.synthesized += 1;
        let (status, text) = crate::synth::response(model, op);
        let sample = crate::model::Sample {
            name: "synthesized".into(),
            file: String::new(),
            text,
            status,
            doc: None,
            error: None,
            unusable: None,
            repaired: None,
            set_aside: None,
        };
        if let Err(e) = sdk_core::de::tolerant::collecting(|| check(model, op, &sample)).0 {
            diags.push(Diag::new(
                &op.spec_file,
                crate::diag::Pos { line: 1, col: 1 },
                format!(
                    "the response synthesized for `{}` does not decode (a generator bug): {e}",
                    op.wire_name
                ),
            ));
        }
    }
    stats
}

/// The samples of `op` a test or the emulator can replay: documented success responses
/// that decode.
pub fn replayable(op: &Operation) -> impl Iterator<Item = &crate::model::Sample> {
    op.samples
        .iter()
        .filter(|s| s.unusable.is_none() && s.error.is_none())
}

/// "2 values set aside: `Tag.N`: a string where … is declared (2 times)", for a sample's docs.
fn set_aside_text(notes: &[sdk_core::de::tolerant::SetAside], dropped: usize) -> String {
    let what = sdk_core::de::tolerant::distinct(notes)
        .into_iter()
        .map(|(n, times)| match times {
            1 => n.to_string(),
            _ => format!("{n} ({times} times)"),
        })
        .collect::<Vec<_>>()
        .join("; ");
    match notes.len() + dropped {
        1 => format!("1 value set aside: {what}"),
        n if dropped > 0 => format!(
            "{n} values set aside, the first {} noted: {what}",
            notes.len()
        ),
        n => format!("{n} values set aside: {what}"),
    }
}

/// `Ok` when the sample decodes (an error sample: as its documented code); `Err` says where
/// and why it does not.
pub fn check(model: &Model, op: &Operation, sample: &crate::model::Sample) -> Result<(), String> {
    let protocol = &model.protocols[op.protocol];
    let types: Vec<&NamedType> = model.types_of(op).collect();
    let mut shapes = Shapes::default();
    let root_name = format!("{}Response", op.pascal);
    let root = object(&mut shapes, &types, &root_name, &op.response);
    let spec = envelope(protocol);
    let seed = ObjectSeed {
        shapes: &shapes,
        object: &shapes.objects[root],
        // As the generated struct is marked (`lenient_object!(tolerant …)`).
        tolerant: op.origin.is_some(),
    };
    let payload = op
        .response_payload()
        .map(|(f, kind)| (f.wire.as_str(), kind));
    let result = decode_parts_with(
        spec,
        payload,
        sample.status,
        None,
        &[],
        sample.text.as_bytes(),
        seed,
    );
    if let Some(code) = &sample.error {
        return match result {
            Err(Failure::Service(meta)) if &meta.code == code => Ok(()),
            Err(Failure::Service(meta)) => Err(format!(
                "an error sample of `{code}` decodes as code `{}`",
                meta.code
            )),
            Ok(()) => Err(format!("an error sample of `{code}` decodes as a success")),
            Err(Failure::Decode(d)) => Err(format!("an error sample of `{code}`: {}", d.reason)),
        };
    }
    match result {
        Ok(()) => Ok(()),
        Err(Failure::Service(meta)) => Err(format!(
            "this is an error response (code `{}`: {})",
            meta.code, meta.message
        )),
        // The shape decoder names the path inside the payload ("at `.Files[0].size`: …").
        Err(Failure::Decode(d)) => Err(match d.reason.strip_prefix("at `") {
            Some(rest) => {
                let root = spec.wrapper.map_or("$".to_owned(), |w| format!("$.{w}"));
                format!("at `{root}{rest}")
            }
            None => d.reason,
        }),
    }
}

/// The protocol's envelope as the runtime reads it. The runtime's `EnvelopeSpec` holds
/// `&'static str` (generated code emits it as a constant), so each protocol's strings are
/// leaked once per process, cached by protocol name and envelope.
pub(crate) fn envelope(protocol: &Protocol) -> &'static EnvelopeSpec {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    static CACHE: Mutex<BTreeMap<String, &'static EnvelopeSpec>> = Mutex::new(BTreeMap::new());
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    let opt = |s: &Option<String>| s.as_deref().map(leak);
    let e = &protocol.envelope;
    cache
        .entry(format!("{}{e:?}", protocol.name))
        .or_insert_with(|| {
            Box::leak(Box::new(EnvelopeSpec {
                protocol: leak(&protocol.name),
                wrapper: opt(&e.wrapper),
                error_object: opt(&e.error_object),
                code_field: leak(&e.code_field),
                message_field: leak(&e.message_field),
                alt_error_fields: Box::leak(
                    e.alt_error_fields
                        .iter()
                        .map(|(c, m)| (leak(c), leak(m)))
                        .collect::<Vec<_>>()
                        .into_boxed_slice(),
                ),
                success_code: opt(&e.success_code),
                request_id_field: opt(&e.request_id_field),
                request_id_header: opt(&e.request_id_header),
                status_errors: e.status_errors,
                clock_skew_codes: &[],
            }))
        })
}

/// Adds the object shape of `fields` (and every named type it reaches) to `shapes`.
fn object(shapes: &mut Shapes, types: &[&NamedType], name: &str, fields: &[Field]) -> usize {
    let index = shapes.objects.len();
    shapes.objects.push(ObjectShape {
        name: name.to_owned(),
        fields: Vec::new(),
    });
    let mut out = Vec::new();
    for f in fields {
        out.push(FieldShape {
            wire: f.wire.clone(),
            aliases: f.aliases.clone(),
            shape: shape(shapes, types, &f.ty),
            required: f.required,
        });
    }
    shapes.objects[index].fields = out;
    index
}

fn shape(shapes: &mut Shapes, types: &[&NamedType], ty: &Ty) -> Shape {
    match ty {
        Ty::Str | Ty::Timestamp(_) => Shape::Str,
        Ty::Bool => Shape::Bool,
        Ty::I32 => Shape::I32,
        Ty::I64 => Shape::I64,
        Ty::U32 => Shape::U32,
        Ty::U64 => Shape::U64,
        Ty::F64 => Shape::F64,
        Ty::Bytes => Shape::Bytes,
        Ty::Json => Shape::Any,
        Ty::List(inner) => Shape::List(Box::new(shape(shapes, types, inner))),
        Ty::Map(inner) => Shape::Map(Box::new(shape(shapes, types, inner))),
        Ty::Named(name) => {
            if let Some(i) = shapes.objects.iter().position(|o| &o.name == name) {
                return Shape::Object(i);
            }
            match types.iter().find(|t| &t.name == name).map(|t| &t.kind) {
                Some(TypeKind::Object(fields)) => {
                    Shape::Object(object(shapes, types, name, fields))
                }
                // Open enums decode any text into `Unknown`.
                Some(TypeKind::Enum(_)) | None => Shape::Str,
            }
        }
    }
}
