//! The action plan's targets (`geodata/jelgava/plan.json`): a header with the
//! plan's provenance and one record per target.

use super::problem::Location;
use super::{Emit, IngestError, RawFeature, ReadContext};
use serde_json::{Map, Value};
use std::path::Path;

pub fn read(path: &Path, ctx: &mut ReadContext, emit: &mut Emit) -> Result<(), IngestError> {
    let bytes = std::fs::read(path).map_err(|e| ctx.io_error(e))?;
    let text = String::from_utf8_lossy(&bytes);
    let doc: Value = match serde_json::from_str(text.trim_start_matches('\u{feff}')) {
        Ok(v) => v,
        Err(e) => {
            ctx.problems.push(
                ctx.at(Location::LineColumn(e.line() as u64, e.column() as u64))
                    .error(None, format!("not valid JSON: {e}"), None),
            );
            return Ok(());
        }
    };
    let header = doc
        .get("plan")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let Some(targets) = doc.get("targets").and_then(Value::as_array) else {
        ctx.problems.push(ctx.at(Location::File).error(
            Some("targets"),
            "a plan needs a `targets` array",
            None,
        ));
        return Ok(());
    };
    for (i, t) in targets.iter().enumerate() {
        let pointer = format!("/targets/{i}");
        let Some(obj) = t.as_object() else {
            ctx.problems
                .push(ctx.at(Location::Feature { index: i, pointer }).error(
                    None,
                    "a target must be an object",
                    None,
                ));
            continue;
        };
        let mut props: Map<String, Value> = obj.clone();
        // The plan's own provenance applies to targets that carry none.
        for key in ["source", "source_ref", "as_of", "licence"] {
            if !props.contains_key(key)
                && let Some(v) = header.get(key)
            {
                props.insert(key.into(), v.clone());
            }
        }
        let id = props
            .remove("id")
            .and_then(|v| v.as_str().map(str::to_owned));
        let raw = RawFeature {
            location: Location::Feature {
                index: i,
                pointer: pointer.clone(),
            },
            props_pointer: Some(pointer),
            geometry_pointer: None,
            id,
            geometry: None,
            props,
            text_values: false,
        };
        emit(raw, ctx);
    }
    Ok(())
}
