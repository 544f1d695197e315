//! Mapbox Vector Tile 2.1 protobuf encoding (written by hand: the message
//! set is small) and a decoder used by the tests.

use serde_json::Value;
use std::collections::HashMap;

/// A feature's geometry in integer tile coordinates.
#[derive(Debug, Clone, PartialEq)]
pub enum TileGeom {
    /// One or more points.
    Points(Vec<(i64, i64)>),
    /// Polygons: rings with the exterior first, each already oriented
    /// (exterior positive area in tile space, holes negative), unclosed.
    Polygons(Vec<Vec<Vec<(i64, i64)>>>),
}

/// A property value as MVT stores it.
#[derive(Debug, Clone, PartialEq)]
pub enum MvtValue {
    String(String),
    Double(f64),
    Int(i64),
    Uint(u64),
    Bool(bool),
}

impl MvtValue {
    /// From a JSON value; `null` has no MVT value. Arrays and objects are
    /// written as their JSON text.
    pub fn from_json(v: &Value) -> Option<MvtValue> {
        Some(match v {
            Value::Null => return None,
            Value::Bool(b) => MvtValue::Bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    MvtValue::Uint(u)
                } else if let Some(i) = n.as_i64() {
                    MvtValue::Int(i)
                } else {
                    MvtValue::Double(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => MvtValue::String(s.clone()),
            other => MvtValue::String(other.to_string()),
        })
    }

    fn key(&self) -> (u8, u64, &str) {
        match self {
            MvtValue::String(s) => (0, 0, s.as_str()),
            MvtValue::Double(d) => (1, d.to_bits(), ""),
            MvtValue::Int(i) => (2, *i as u64, ""),
            MvtValue::Uint(u) => (3, *u, ""),
            MvtValue::Bool(b) => (4, u64::from(*b), ""),
        }
    }
}

/// Builds one layer: keys and values are deduplicated.
#[derive(Debug)]
pub struct LayerBuilder {
    name: String,
    keys: Vec<String>,
    key_idx: HashMap<String, u32>,
    values: Vec<MvtValue>,
    value_idx: HashMap<(u8, u64, String), u32>,
    features: Vec<u8>,
    count: usize,
}

impl LayerBuilder {
    pub fn new(name: &str) -> LayerBuilder {
        LayerBuilder {
            name: name.to_owned(),
            keys: Vec::new(),
            key_idx: HashMap::new(),
            values: Vec::new(),
            value_idx: HashMap::new(),
            features: Vec::new(),
            count: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn len(&self) -> usize {
        self.count
    }

    /// Add a feature. Empty geometries are skipped by the caller.
    pub fn add(&mut self, id: u64, props: &[(&str, MvtValue)], geom: &TileGeom) {
        let mut tags = Vec::with_capacity(props.len() * 2);
        for (k, v) in props {
            let ki = match self.key_idx.get(*k) {
                Some(i) => *i,
                None => {
                    let i = self.keys.len() as u32;
                    self.keys.push((*k).to_owned());
                    self.key_idx.insert((*k).to_owned(), i);
                    i
                }
            };
            let (t, bits, s) = v.key();
            let vk = (t, bits, s.to_owned());
            let vi = match self.value_idx.get(&vk) {
                Some(i) => *i,
                None => {
                    let i = self.values.len() as u32;
                    self.values.push(v.clone());
                    self.value_idx.insert(vk, i);
                    i
                }
            };
            tags.push(ki);
            tags.push(vi);
        }
        let (gtype, cmds) = encode_geometry(geom);
        let mut f = Vec::new();
        put_varint_field(&mut f, 1, id);
        put_packed(&mut f, 2, tags.iter().map(|t| u64::from(*t)));
        put_varint_field(&mut f, 3, gtype);
        put_packed(&mut f, 4, cmds.iter().map(|c| u64::from(*c)));
        put_bytes(&mut self.features, 2, &f);
        self.count += 1;
    }

    /// The encoded Layer message.
    pub fn finish(&self) -> Vec<u8> {
        let mut l = Vec::with_capacity(self.features.len() + 256);
        put_varint_field(&mut l, 15, 2);
        put_bytes(&mut l, 1, self.name.as_bytes());
        l.extend_from_slice(&self.features);
        for k in &self.keys {
            put_bytes(&mut l, 3, k.as_bytes());
        }
        for v in &self.values {
            let mut b = Vec::new();
            match v {
                MvtValue::String(s) => put_bytes(&mut b, 1, s.as_bytes()),
                MvtValue::Double(d) => {
                    put_key(&mut b, 3, 1);
                    b.extend_from_slice(&d.to_le_bytes());
                }
                MvtValue::Int(i) => put_varint_field(&mut b, 6, zigzag(*i)),
                MvtValue::Uint(u) => put_varint_field(&mut b, 5, *u),
                MvtValue::Bool(x) => put_varint_field(&mut b, 7, u64::from(*x)),
            }
            put_bytes(&mut l, 4, &b);
        }
        put_varint_field(&mut l, 5, u64::from(crate::mercator::EXTENT));
        l
    }
}

/// Encode a tile from finished layers (skipping empty ones).
pub fn encode_tile(layers: &[LayerBuilder]) -> Vec<u8> {
    let mut t = Vec::new();
    for l in layers.iter().filter(|l| !l.is_empty()) {
        put_bytes(&mut t, 3, &l.finish());
    }
    t
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn command(id: u32, count: usize) -> u32 {
    (id & 7) | ((count as u32) << 3)
}

/// Geometry type and command integers.
fn encode_geometry(g: &TileGeom) -> (u64, Vec<u32>) {
    let mut out = Vec::new();
    let (mut cx, mut cy) = (0i64, 0i64);
    let push = |out: &mut Vec<u32>, p: (i64, i64), cx: &mut i64, cy: &mut i64| {
        out.push(zigzag(p.0 - *cx) as u32);
        out.push(zigzag(p.1 - *cy) as u32);
        *cx = p.0;
        *cy = p.1;
    };
    match g {
        TileGeom::Points(pts) => {
            out.push(command(1, pts.len()));
            for p in pts {
                push(&mut out, *p, &mut cx, &mut cy);
            }
            (1, out)
        }
        TileGeom::Polygons(polys) => {
            for ring in polys.iter().flatten() {
                out.push(command(1, 1));
                push(&mut out, ring[0], &mut cx, &mut cy);
                out.push(command(2, ring.len() - 1));
                for p in &ring[1..] {
                    push(&mut out, *p, &mut cx, &mut cy);
                }
                out.push(command(7, 1));
            }
            (3, out)
        }
    }
}

fn put_key(b: &mut Vec<u8>, field: u32, wire: u32) {
    put_varint(b, u64::from((field << 3) | wire));
}

fn put_varint(b: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        b.push((v as u8) | 0x80);
        v >>= 7;
    }
    b.push(v as u8);
}

fn put_varint_field(b: &mut Vec<u8>, field: u32, v: u64) {
    put_key(b, field, 0);
    put_varint(b, v);
}

fn put_bytes(b: &mut Vec<u8>, field: u32, data: &[u8]) {
    put_key(b, field, 2);
    put_varint(b, data.len() as u64);
    b.extend_from_slice(data);
}

fn put_packed(b: &mut Vec<u8>, field: u32, vals: impl Iterator<Item = u64>) {
    let mut p = Vec::new();
    for v in vals {
        put_varint(&mut p, v);
    }
    put_bytes(b, field, &p);
}

/// A decoded feature (tests and tools).
#[derive(Debug, Clone)]
pub struct DecodedFeature {
    pub id: Option<u64>,
    pub geom_type: u64,
    pub properties: Vec<(String, MvtValue)>,
    /// Rings or point lists as drawn by MoveTo/LineTo/ClosePath.
    pub parts: Vec<Vec<(i64, i64)>>,
}

/// A decoded layer.
#[derive(Debug, Clone)]
pub struct DecodedLayer {
    pub name: String,
    pub version: u64,
    pub extent: u64,
    pub features: Vec<DecodedFeature>,
}

/// Decode a tile (strict enough for our own output; errors are strings).
pub fn decode(buf: &[u8]) -> Result<Vec<DecodedLayer>, String> {
    let mut layers = Vec::new();
    for (f, _, v) in fields(buf)? {
        if f == 3 {
            layers.push(decode_layer(v.bytes()?)?);
        }
    }
    Ok(layers)
}

enum Raw<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed64([u8; 8]),
}

impl<'a> Raw<'a> {
    fn bytes(&self) -> Result<&'a [u8], String> {
        match self {
            Raw::Bytes(b) => Ok(b),
            _ => Err("expected length-delimited".into()),
        }
    }
    fn varint(&self) -> Result<u64, String> {
        match self {
            Raw::Varint(v) => Ok(*v),
            _ => Err("expected varint".into()),
        }
    }
}

fn get_varint(b: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let byte = *b.get(*pos).ok_or("truncated varint")?;
        *pos += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(v);
        }
        shift += 7;
        if shift > 63 {
            return Err("varint too long".into());
        }
    }
}

fn fields(b: &[u8]) -> Result<Vec<(u64, u64, Raw<'_>)>, String> {
    let mut pos = 0;
    let mut out = Vec::new();
    while pos < b.len() {
        let key = get_varint(b, &mut pos)?;
        let (f, w) = (key >> 3, key & 7);
        let raw = match w {
            0 => Raw::Varint(get_varint(b, &mut pos)?),
            2 => {
                let len = get_varint(b, &mut pos)? as usize;
                let end = pos
                    .checked_add(len)
                    .filter(|e| *e <= b.len())
                    .ok_or("truncated bytes")?;
                let r = Raw::Bytes(&b[pos..end]);
                pos = end;
                r
            }
            1 => {
                let s = b.get(pos..pos + 8).ok_or("truncated fixed64")?;
                pos += 8;
                let mut a = [0u8; 8];
                a.copy_from_slice(s);
                Raw::Fixed64(a)
            }
            5 => {
                pos += 4;
                Raw::Varint(0)
            }
            _ => return Err(format!("wire type {w}")),
        };
        out.push((f, w, raw));
    }
    Ok(out)
}

fn packed(b: &[u8]) -> Result<Vec<u64>, String> {
    let mut pos = 0;
    let mut v = Vec::new();
    while pos < b.len() {
        v.push(get_varint(b, &mut pos)?);
    }
    Ok(v)
}

fn decode_layer(b: &[u8]) -> Result<DecodedLayer, String> {
    let (mut name, mut version, mut extent) = (String::new(), 1, 4096);
    let (mut keys, mut values, mut feats) = (Vec::new(), Vec::new(), Vec::new());
    for (f, _, v) in fields(b)? {
        match f {
            1 => name = String::from_utf8(v.bytes()?.to_vec()).map_err(|e| e.to_string())?,
            15 => version = v.varint()?,
            5 => extent = v.varint()?,
            3 => keys.push(String::from_utf8(v.bytes()?.to_vec()).map_err(|e| e.to_string())?),
            4 => {
                let mut val = None;
                for (vf, _, vv) in fields(v.bytes()?)? {
                    val = Some(match (vf, vv) {
                        (1, Raw::Bytes(s)) => MvtValue::String(
                            String::from_utf8(s.to_vec()).map_err(|e| e.to_string())?,
                        ),
                        (3, Raw::Fixed64(a)) => MvtValue::Double(f64::from_le_bytes(a)),
                        (5, Raw::Varint(u)) => MvtValue::Uint(u),
                        (4, Raw::Varint(u)) => MvtValue::Int(u as i64),
                        (6, Raw::Varint(u)) => MvtValue::Int(((u >> 1) as i64) ^ -((u & 1) as i64)),
                        (7, Raw::Varint(u)) => MvtValue::Bool(u != 0),
                        _ => return Err("bad value".into()),
                    });
                }
                values.push(val.ok_or("empty value")?);
            }
            2 => feats.push(v.bytes()?),
            _ => {}
        }
    }
    let mut features = Vec::new();
    for fb in feats {
        let (mut id, mut gt, mut tags, mut cmds) = (None, 0, Vec::new(), Vec::new());
        for (f, _, v) in fields(fb)? {
            match f {
                1 => id = Some(v.varint()?),
                2 => tags = packed(v.bytes()?)?,
                3 => gt = v.varint()?,
                4 => cmds = packed(v.bytes()?)?,
                _ => {}
            }
        }
        if tags.len() % 2 != 0 {
            return Err("odd tags".into());
        }
        let mut properties = Vec::new();
        for kv in tags.chunks(2) {
            let k = keys.get(kv[0] as usize).ok_or("key index")?;
            let v = values.get(kv[1] as usize).ok_or("value index")?;
            properties.push((k.clone(), v.clone()));
        }
        features.push(DecodedFeature {
            id,
            geom_type: gt,
            properties,
            parts: decode_geometry(&cmds)?,
        });
    }
    Ok(DecodedLayer {
        name,
        version,
        extent,
        features,
    })
}

fn decode_geometry(cmds: &[u64]) -> Result<Vec<Vec<(i64, i64)>>, String> {
    let (mut i, mut x, mut y) = (0, 0i64, 0i64);
    let mut parts: Vec<Vec<(i64, i64)>> = Vec::new();
    let unz = |u: u64| ((u >> 1) as i64) ^ -((u & 1) as i64);
    while i < cmds.len() {
        let (id, count) = (cmds[i] & 7, (cmds[i] >> 3) as usize);
        i += 1;
        match id {
            1 | 2 => {
                if i + 2 * count > cmds.len() {
                    return Err("truncated geometry".into());
                }
                for _ in 0..count {
                    x += unz(cmds[i]);
                    y += unz(cmds[i + 1]);
                    i += 2;
                    if id == 1 {
                        parts.push(vec![(x, y)]);
                    } else {
                        parts.last_mut().ok_or("LineTo before MoveTo")?.push((x, y));
                    }
                }
            }
            7 if count == 1 => {}
            _ => return Err(format!("bad command {id}/{count}")),
        }
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut l = LayerBuilder::new("sites");
        l.add(
            7,
            &[
                ("id", MvtValue::String("a".into())),
                ("n", MvtValue::Uint(3)),
            ],
            &TileGeom::Points(vec![(10, 20)]),
        );
        l.add(
            8,
            &[
                ("id", MvtValue::String("b".into())),
                ("n", MvtValue::Uint(3)),
                ("x", MvtValue::Int(-2)),
                ("d", MvtValue::Double(1.5)),
            ],
            &TileGeom::Polygons(vec![vec![vec![(0, 0), (10, 0), (10, 10)]]]),
        );
        let t = encode_tile(&[l]);
        let d = decode(&t).expect("decodes");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].name, "sites");
        assert_eq!(d[0].version, 2);
        assert_eq!(d[0].features.len(), 2);
        assert_eq!(d[0].features[0].parts, vec![vec![(10, 20)]]);
        assert_eq!(
            d[0].features[1].parts,
            vec![vec![(0, 0), (10, 0), (10, 10)]]
        );
        assert_eq!(
            d[0].features[1].properties[2],
            ("x".into(), MvtValue::Int(-2))
        );
        assert_eq!(
            d[0].features[1].properties[3],
            ("d".into(), MvtValue::Double(1.5))
        );
        assert_eq!(d[0].features[1].id, Some(8));
    }
}
