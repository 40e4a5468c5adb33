use std::collections::BTreeMap;

use serde::de::{DeserializeSeed, MapAccess};

use super::{SetAside, collecting};
use crate::de::{Fields, Object, object};
use crate::shape::{FieldShape, ObjectSeed, ObjectShape, Shape, Shapes};

/// What the `lenient_object!` macro writes, by hand: a tag and a response holding tags.
#[derive(Clone, Debug, Default, PartialEq)]
struct Tag {
    key: Option<String>,
    n: Option<u64>,
}

impl Object for Tag {
    const NAME: &'static str = "Tag";
    type Slots = Self;
    fn put<'de, A: MapAccess<'de>>(
        tag: &mut Self,
        key: &str,
        f: &mut Fields<A>,
    ) -> Result<(), A::Error> {
        match key {
            "Key" => f.value(0, "Key", &mut tag.key),
            "N" => f.value(1, "N", &mut tag.n),
            _ => f.skip(),
        }
    }
    fn finish(tag: Self) -> Result<Self, &'static str> {
        Ok(tag)
    }
}

#[derive(Debug, Default, PartialEq)]
struct Resp<const TOLERANT: bool> {
    tags: Vec<Tag>,
    one: Option<Tag>,
    count: Option<u64>,
    text: Option<String>,
    sizes: BTreeMap<String, u64>,
    id: String,
}

/// `Resp` has a required field (`id`): its entries are read into slots.
#[derive(Default)]
struct RespSlots {
    tags: Vec<Tag>,
    one: Option<Tag>,
    count: Option<u64>,
    text: Option<String>,
    sizes: BTreeMap<String, u64>,
    id: Option<String>,
}

impl<const TOLERANT: bool> Object for Resp<TOLERANT> {
    const NAME: &'static str = "Resp";
    const TOLERANT: bool = TOLERANT;
    type Slots = RespSlots;
    fn put<'de, A: MapAccess<'de>>(
        s: &mut RespSlots,
        key: &str,
        f: &mut Fields<A>,
    ) -> Result<(), A::Error> {
        match key {
            "Tags" => f.value(0, "Tags", &mut s.tags),
            "One" => f.value(1, "One", &mut s.one),
            "Count" => f.value(2, "Count", &mut s.count),
            "Text" => f.value(3, "Text", &mut s.text),
            "Sizes" => f.value(4, "Sizes", &mut s.sizes),
            "Id" => f.required_value(5, "Id", &mut s.id),
            _ => f.skip(),
        }
    }
    fn finish(s: RespSlots) -> Result<Self, &'static str> {
        Ok(Resp {
            tags: s.tags,
            one: s.one,
            count: s.count,
            text: s.text,
            sizes: s.sizes,
            id: s.id.ok_or("Id")?,
        })
    }
}

fn typed<const T: bool>(json: &str) -> (Result<Resp<T>, String>, Vec<String>) {
    let (r, notes) = collecting(|| {
        let mut d = serde_json::Deserializer::from_str(json);
        object::<_, Resp<T>>(&mut d)
            .and_then(|v| d.end().map(|()| v))
            .map_err(|e| e.to_string())
    });
    (r, notes.kept.iter().map(SetAside::to_string).collect())
}

/// The generator's shape of `Resp`, checked the same way.
fn shaped(json: &str, tolerant: bool) -> (Result<(), String>, Vec<String>) {
    let field = |wire: &str, shape: Shape, required: bool| FieldShape {
        wire: wire.into(),
        aliases: vec![],
        shape,
        required,
    };
    let shapes = Shapes {
        objects: vec![
            ObjectShape {
                name: "Resp".into(),
                fields: vec![
                    field("Tags", Shape::List(Box::new(Shape::Object(1))), false),
                    field("One", Shape::Object(1), false),
                    field("Count", Shape::U64, false),
                    field("Text", Shape::Str, false),
                    field("Sizes", Shape::Map(Box::new(Shape::U64)), false),
                    field("Id", Shape::Str, true),
                ],
            },
            ObjectShape {
                name: "Tag".into(),
                fields: vec![
                    field("Key", Shape::Str, false),
                    field("N", Shape::U64, false),
                ],
            },
        ],
    };
    let (r, notes) = collecting(|| {
        let mut d = serde_json::Deserializer::from_str(json);
        ObjectSeed {
            shapes: &shapes,
            object: &shapes.objects[0],
            tolerant,
        }
        .deserialize(&mut d)
        .and_then(|()| d.end())
        .map_err(|e| e.to_string())
    });
    (r, notes.kept.iter().map(SetAside::to_string).collect())
}

/// Decodes `json` tolerantly both ways, checks they agree, and returns the typed result.
fn both(json: &str) -> (Resp<true>, Vec<String>) {
    let (r, notes) = typed::<true>(json);
    let (s, shape_notes) = shaped(json, true);
    assert_eq!(r.is_ok(), s.is_ok(), "{json}: {r:?} vs {s:?}");
    assert_eq!(notes, shape_notes, "{json}");
    (r.unwrap_or_else(|e| panic!("{json}: {e}")), notes)
}

#[test]
fn a_contradicting_value_is_set_aside_and_the_rest_decodes() {
    let (r, notes) =
        both(r#"{"Count": "xx", "Text": "t", "Id": "r1", "Tags": [{"Key": "k", "N": "7"}]}"#);
    assert_eq!(r.count, None);
    assert_eq!(r.text.as_deref(), Some("t"));
    assert_eq!(
        r.tags,
        vec![Tag {
            key: Some("k".into()),
            n: Some(7)
        }]
    );
    assert_eq!(
        notes,
        ["`Resp.Count`: a string where an integer (u64) or a string holding one is declared"]
    );
    // Inside a list element: the element's own field is set aside, the element kept.
    let (r, notes) =
        both(r#"{"Tags": [{"Key": "a"}, {"Key": "b", "N": {"x": [1, {"y": 2}]}}], "Id": "r"}"#);
    assert_eq!(r.tags.len(), 2);
    assert_eq!(
        r.tags[1],
        Tag {
            key: Some("b".into()),
            n: None
        }
    );
    assert_eq!(
        notes,
        ["`Tag.N`: an object where an integer (u64) or a string holding one is declared"]
    );
    // A list whose element is not an object at all is set aside whole.
    let (r, notes) = both(r#"{"Tags": [{"Key": "a"}, "b", {"Key": "c"}], "Count": 3, "Id": "r"}"#);
    assert_eq!((r.tags, r.count), (vec![], Some(3)));
    assert_eq!(
        notes,
        ["`Resp.Tags[1]`: a string where struct Tag is declared"]
    );
    // A map with a bad value.
    let (r, notes) = both(r#"{"Sizes": {"a": 1, "b": true, "c": 2}, "Id": "r"}"#);
    assert!(r.sizes.is_empty());
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].starts_with("`Resp.Sizes.*`: a boolean where"),
        "{notes:?}"
    );
}

#[test]
fn other_shapes_of_the_same_data_are_read_as_what_they_mean() {
    // A lone object where a list is declared; a one-element list where an object is.
    let (r, notes) = both(r#"{"Tags": {"Key": "k"}, "One": [{"N": 1}], "Id": "r"}"#);
    assert_eq!(
        r.tags,
        vec![Tag {
            key: Some("k".into()),
            n: None
        }]
    );
    assert_eq!(
        r.one,
        Some(Tag {
            key: None,
            n: Some(1)
        })
    );
    assert!(notes.is_empty(), "{notes:?}");
    // An object or list where text is declared: its JSON text.
    let (r, notes) = both(r#"{"Text": {"a": [1, "x"]}, "Id": "r"}"#);
    assert_eq!(r.text.as_deref(), Some(r#"{"a":[1,"x"]}"#));
    assert!(notes.is_empty());
    // `null` is absent everywhere.
    let (r, notes) = both(r#"{"Tags": null, "One": null, "Count": null, "Id": "r"}"#);
    assert_eq!((r.tags.len(), r.one, r.count), (0, None, None));
    assert!(notes.is_empty());
}

#[test]
fn lists_where_an_object_belongs_other_than_one_element_are_set_aside() {
    for (json, found) in [
        (r#"{"One": [], "Id": "r"}"#, "an empty list"),
        (
            r#"{"One": [{"N": 1}, {"N": 2}], "Id": "r"}"#,
            "a list of several",
        ),
        (r#"{"One": 0, "Id": "r"}"#, "an integer"),
        (r#"{"One": "x", "Id": "r"}"#, "a string"),
    ] {
        let (r, notes) = both(json);
        assert_eq!(r.one, None);
        assert_eq!(
            notes,
            [format!("`Resp.One`: {found} where struct Tag is declared")]
        );
    }
}

#[test]
fn what_is_not_one_value_still_fails() {
    for json in [
        // A required field that contradicts its type, or is missing.
        r#"{"Id": {"a": 1}}"#,
        r#"{"Count": 1}"#,
        // A key twice, even when its first value was set aside; a syntax error inside a
        // value being set aside.
        r#"{"Count": 1, "Count": 2, "Id": "r"}"#,
        r#"{"Count": "xx", "Count": 2, "Id": "r"}"#,
        r#"{"Count": {"a": [1, }, "Id": "r"}"#,
    ] {
        assert!(typed::<true>(json).0.is_err(), "{json}");
        assert!(shaped(json, true).0.is_err(), "{json}");
    }
}

#[test]
fn hand_written_responses_stay_strict() {
    for json in [
        r#"{"Count": "xx", "Id": "r"}"#,
        r#"{"Tags": {"Key": "k"}, "Id": "r"}"#,
        r#"{"Text": {}, "Id": "r"}"#,
    ] {
        let (r, notes) = typed::<false>(json);
        assert!(r.is_err(), "{json}");
        assert!(notes.is_empty());
        assert!(shaped(json, false).0.is_err(), "{json}");
    }
}

#[test]
fn notes_name_no_value() {
    let (_, notes) = both(r#"{"Count": "s3cr3t-token", "Id": "r"}"#);
    assert_eq!(notes.len(), 1);
    assert!(!notes[0].contains("s3cr3t"), "{notes:?}");
}

#[test]
fn nothing_is_noted_outside_collecting_and_a_decode_keeps_at_most_max_notes() {
    // A user's own decode of a generated type: nothing accumulates on the thread.
    let mut d = serde_json::Deserializer::from_str(r#"{"Count": "xx", "Id": "r"}"#);
    let r = object::<_, Resp<true>>(&mut d).expect("decodes");
    assert_eq!(r.count, None);
    let ((), notes) = collecting(|| ());
    assert_eq!(notes, super::Notes::default());
    // A long list of bad values: the first MAX_NOTES kept, the rest counted.
    let many = (0..300)
        .map(|_| r#"{"N": "x"}"#)
        .collect::<Vec<_>>()
        .join(",");
    let (r, notes) = collecting(|| {
        let body = format!(r#"{{"Tags": [{many}], "Id": "r"}}"#);
        let mut d = serde_json::Deserializer::from_str(&body);
        object::<_, Resp<true>>(&mut d).map_err(|e| e.to_string())
    });
    assert_eq!(r.map(|r| r.tags.len()), Ok(300));
    assert_eq!(
        (notes.kept.len(), notes.dropped),
        (super::MAX_NOTES, 300 - super::MAX_NOTES)
    );
    assert_eq!(super::distinct(&notes.kept).len(), 1);
    // A panic inside restores the outer collection.
    let ((), outer) = collecting(|| {
        let _ = std::panic::catch_unwind(|| collecting(|| panic!("inside")));
        let mut d = serde_json::Deserializer::from_str(r#"{"Count": "xx", "Id": "r"}"#);
        let _ = object::<_, Resp<true>>(&mut d);
    });
    assert_eq!(outer.kept.len(), 1);
}
