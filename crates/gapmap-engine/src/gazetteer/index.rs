//! An inverted index of folded tokens for many short documents (names and
//! addresses), compact enough for a national address register: the unique
//! tokens in one sorted string, postings and each document's tokens in flat
//! `u32` arrays, and a deletion-neighbourhood table (SymSpell) so a token
//! one typo away is found by hashing instead of by scanning every token.

use super::fold::distance_within;
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// How a query token matched a document token (lower is better).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Quality {
    Exact = 0,
    Prefix = 1,
    Fuzzy = 2,
}

/// A query token and how it may match.
#[derive(Debug, Clone)]
pub struct QueryToken {
    pub text: String,
    /// The token may be the beginning of a longer word (typing).
    pub prefix: bool,
}

/// A document that matched every query token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub doc: u32,
    /// Sum of the qualities of the query tokens' matches.
    pub quality: u32,
    /// Every query token matched exactly.
    pub all_exact: bool,
    /// Tokens of the document that no query token matched.
    pub unmatched: u32,
}

#[derive(Debug, Default)]
pub struct TokenIndex {
    /// Unique tokens, sorted, concatenated; token `t` is
    /// `text[tok_off[t]..tok_off[t + 1]]`.
    text: String,
    tok_off: Vec<u32>,
    /// Documents of token `t`: `postings[post_off[t]..post_off[t + 1]]`, ascending.
    post_off: Vec<u32>,
    postings: Vec<u32>,
    /// Tokens of document `d`: `doc_tok[doc_off[d]..doc_off[d + 1]]`.
    doc_off: Vec<u32>,
    doc_tok: Vec<u32>,
    /// (hash of a token with one character deleted, token), sorted.
    deletes: Vec<(u64, u32)>,
}

/// Tokens shorter than this (in characters) are only matched exactly or as
/// a prefix, never as a typo.
pub const FUZZY_MIN_CHARS: usize = 4;

fn hash(s: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// Every string made by deleting one character of `s`.
fn deletions(s: &str) -> impl Iterator<Item = String> + '_ {
    s.char_indices()
        .map(move |(i, c)| format!("{}{}", &s[..i], &s[i + c.len_utf8()..]))
}

/// The documents of one chunk: its own dictionary (tokens in the order
/// first seen) and each document's tokens as ids into it, first
/// occurrences only.
struct Chunk {
    tokens: Vec<Box<str>>,
    doc_off: Vec<u32>,
    doc_tok: Vec<u32>,
}

impl Chunk {
    fn of(docs: impl Iterator<Item = Vec<String>>) -> Chunk {
        let mut ids: HashMap<Box<str>, u32> = HashMap::new();
        let mut tokens: Vec<Box<str>> = Vec::new();
        let mut doc_off = vec![0u32];
        let mut doc_tok: Vec<u32> = Vec::new();
        for doc in docs {
            let start = doc_tok.len();
            for t in doc {
                let t = t.into_boxed_str();
                let id = match ids.get(&t) {
                    Some(&id) => id,
                    None => {
                        let id = tokens.len() as u32;
                        tokens.push(t.clone());
                        ids.insert(t, id);
                        id
                    }
                };
                if !doc_tok[start..].contains(&id) {
                    doc_tok.push(id);
                }
            }
            doc_off.push(doc_tok.len() as u32);
        }
        Chunk {
            tokens,
            doc_off,
            doc_tok,
        }
    }
}

/// Postings of `n_tokens` tokens by counting sort over the documents'
/// tokens (documents come out ascending): (offsets, postings).
fn postings(n_tokens: usize, doc_off: &[u32], doc_tok: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let mut counts = vec![0u32; n_tokens + 1];
    for &t in doc_tok {
        counts[t as usize + 1] += 1;
    }
    for i in 1..counts.len() {
        counts[i] += counts[i - 1];
    }
    let post_off = counts.clone();
    let mut postings = vec![0u32; doc_tok.len()];
    let mut fill = counts;
    for d in 0..doc_off.len() - 1 {
        for &t in &doc_tok[doc_off[d] as usize..doc_off[d + 1] as usize] {
            postings[fill[t as usize] as usize] = d as u32;
            fill[t as usize] += 1;
        }
    }
    (post_off, postings)
}

impl TokenIndex {
    /// Index documents given as lists of tokens (already folded).
    pub fn build<I, D>(docs: I) -> TokenIndex
    where
        I: IntoIterator<Item = D>,
        D: IntoIterator<Item = String>,
    {
        let chunk = Chunk::of(docs.into_iter().map(|d| d.into_iter().collect()));
        let mut sorted: Vec<&str> = chunk.tokens.iter().map(|t| &**t).collect();
        sorted.sort_unstable();
        let doc_tok = chunk
            .doc_tok
            .iter()
            .map(|&t| {
                let s = &*chunk.tokens[t as usize];
                sorted.binary_search(&s).unwrap_or(0) as u32
            })
            .collect();
        TokenIndex::assemble(&sorted, chunk.doc_off.clone(), doc_tok)
    }

    /// [`TokenIndex::build`] of `n` documents, document `i` given by
    /// `doc(i)`, built in parallel: the same index, token for token.
    ///
    /// Documents are tokenised in chunks, each with a dictionary of its own;
    /// the dictionaries are merged into the sorted token list, each chunk's
    /// tokens renumbered by it, and the deletion table filled per token.
    pub fn build_par<F>(n: usize, doc: F) -> TokenIndex
    where
        F: Fn(usize) -> Vec<String> + Sync,
    {
        const CHUNK: usize = 32_768;
        let chunks: Vec<Chunk> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| Chunk::of((c * CHUNK..((c + 1) * CHUNK).min(n)).map(&doc)))
            .collect();
        // The sorted unique tokens of every chunk.
        let mut text_of: Vec<&str> = chunks
            .iter()
            .flat_map(|c| c.tokens.iter().map(|t| &**t))
            .collect();
        text_of.par_sort_unstable();
        text_of.dedup();
        let renumbered: Vec<Vec<u32>> = chunks
            .par_iter()
            .map(|c| {
                c.doc_tok
                    .iter()
                    .map(|&t| {
                        let s = &*c.tokens[t as usize];
                        text_of.binary_search(&s).unwrap_or(0) as u32
                    })
                    .collect()
            })
            .collect();
        let mut doc_off = Vec::with_capacity(n + 1);
        doc_off.push(0u32);
        let mut doc_tok = Vec::with_capacity(renumbered.iter().map(Vec::len).sum());
        for (c, ids) in chunks.iter().zip(&renumbered) {
            let base = doc_tok.len() as u32;
            doc_off.extend(c.doc_off[1..].iter().map(|o| base + o));
            doc_tok.extend_from_slice(ids);
        }
        TokenIndex::assemble(&text_of, doc_off, doc_tok)
    }

    /// The index of sorted unique tokens and the documents' token ids.
    fn assemble(tokens: &[&str], doc_off: Vec<u32>, doc_tok: Vec<u32>) -> TokenIndex {
        let mut text = String::with_capacity(tokens.iter().map(|t| t.len()).sum());
        let mut tok_off = Vec::with_capacity(tokens.len() + 1);
        tok_off.push(0u32);
        for t in tokens {
            text.push_str(t);
            tok_off.push(text.len() as u32);
        }
        let (post_off, postings) = postings(tokens.len(), &doc_off, &doc_tok);
        let mut deletes: Vec<(u64, u32)> = tokens
            .par_iter()
            .enumerate()
            .filter(|(_, t)| t.chars().count() >= FUZZY_MIN_CHARS)
            .flat_map_iter(|(i, t)| deletions(t).map(move |d| (hash(&d), i as u32)))
            .collect();
        deletes.par_sort_unstable();
        TokenIndex {
            text,
            tok_off,
            post_off,
            postings,
            doc_off,
            doc_tok,
            deletes,
        }
    }

    pub fn docs(&self) -> usize {
        self.doc_off.len().saturating_sub(1)
    }

    fn tokens_len(&self) -> usize {
        self.tok_off.len().saturating_sub(1)
    }

    fn token(&self, t: u32) -> &str {
        &self.text[self.tok_off[t as usize] as usize..self.tok_off[t as usize + 1] as usize]
    }

    fn postings_of(&self, t: u32) -> &[u32] {
        &self.postings[self.post_off[t as usize] as usize..self.post_off[t as usize + 1] as usize]
    }

    pub fn doc_tokens(&self, d: u32) -> &[u32] {
        &self.doc_tok[self.doc_off[d as usize] as usize..self.doc_off[d as usize + 1] as usize]
    }

    /// The first token not less than `s`.
    fn lower_bound(&self, s: &str) -> usize {
        let (mut lo, mut hi) = (0, self.tokens_len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.token(mid as u32) < s {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    fn exact(&self, s: &str) -> Option<u32> {
        let i = self.lower_bound(s);
        (i < self.tokens_len() && self.token(i as u32) == s).then_some(i as u32)
    }

    /// The tokens a query token matches, sorted by token id, each with its
    /// quality. Prefix matches beyond `prefix_budget` postings are left out,
    /// shortest tokens kept first (they are the likelier words).
    fn matches(&self, q: &QueryToken, prefix_budget: usize) -> Vec<(u32, Quality)> {
        let mut out: Vec<(u32, Quality)> = Vec::new();
        if let Some(t) = self.exact(&q.text) {
            out.push((t, Quality::Exact));
        }
        let chars = q.text.chars().count();
        if q.prefix && chars >= 2 {
            let start = self.lower_bound(&q.text);
            let mut found: Vec<u32> = (start..self.tokens_len())
                .map(|i| i as u32)
                .take_while(|&t| self.token(t).starts_with(q.text.as_str()))
                .filter(|&t| self.token(t).len() != q.text.len())
                .collect();
            found.sort_by_key(|&t| self.token(t).len());
            let mut used = 0usize;
            for t in found {
                let n = self.postings_of(t).len();
                if used > 0 && used + n > prefix_budget {
                    break;
                }
                used += n;
                out.push((t, Quality::Prefix));
            }
        }
        if chars >= FUZZY_MIN_CHARS && q.text.chars().all(char::is_alphabetic) {
            let mut cands: Vec<u32> = Vec::new();
            let look = |h: u64, cands: &mut Vec<u32>| {
                let i = self.deletes.partition_point(|e| e.0 < h);
                cands.extend(
                    self.deletes[i..]
                        .iter()
                        .take_while(|e| e.0 == h)
                        .map(|e| e.1),
                );
            };
            // A token with one more character, or one changed or swapped.
            look(hash(&q.text), &mut cands);
            for d in deletions(&q.text) {
                look(hash(&d), &mut cands);
                // A token with one character fewer.
                if let Some(t) = self.exact(&d) {
                    cands.push(t);
                }
            }
            cands.sort_unstable();
            cands.dedup();
            for t in cands {
                if distance_within(&q.text, self.token(t), 1).is_some_and(|d| d > 0) {
                    out.push((t, Quality::Fuzzy));
                }
            }
        }
        out.sort_unstable();
        out.dedup_by_key(|e| e.0);
        out
    }

    /// Documents that match every query token (exactly, as a prefix or one
    /// typo away), best matches first within `prefix_budget` (see
    /// [`TokenIndex::matches`]).
    pub fn search(&self, query: &[QueryToken], prefix_budget: usize) -> Vec<Match> {
        if query.is_empty() {
            return Vec::new();
        }
        let sets: Vec<Vec<(u32, Quality)>> = query
            .iter()
            .map(|q| self.matches(q, prefix_budget))
            .collect();
        let size = |s: &[(u32, Quality)]| -> usize {
            s.iter().map(|(t, _)| self.postings_of(*t).len()).sum()
        };
        let Some((driver, _)) = sets.iter().enumerate().min_by_key(|(_, s)| size(s)) else {
            return Vec::new();
        };
        // One matching token: its postings are already sorted and unique.
        let owned: Vec<u32>;
        let docs: &[u32] = match sets[driver].as_slice() {
            [(t, _)] => self.postings_of(*t),
            many => {
                let mut v: Vec<u32> = many
                    .iter()
                    .flat_map(|(t, _)| self.postings_of(*t).iter().copied())
                    .collect();
                v.sort_unstable();
                v.dedup();
                owned = v;
                &owned
            }
        };
        let mut out = Vec::with_capacity(docs.len());
        'doc: for &d in docs {
            let toks = self.doc_tokens(d);
            let mut quality = 0u32;
            let mut all_exact = true;
            let mut used = 0u64; // bit i: doc token i matched
            for set in &sets {
                let mut best: Option<(Quality, usize)> = None;
                for (i, t) in toks.iter().enumerate() {
                    if let Ok(k) = set.binary_search_by_key(t, |e| e.0) {
                        let q = set[k].1;
                        if best.is_none_or(|b| q < b.0) {
                            best = Some((q, i));
                        }
                    }
                }
                let Some((q, i)) = best else {
                    continue 'doc;
                };
                quality += q as u32;
                all_exact &= q == Quality::Exact;
                if i < 64 {
                    used |= 1 << i;
                }
            }
            let unmatched = toks.len().min(64) as u32 - used.count_ones();
            out.push(Match {
                doc: d,
                quality,
                all_exact,
                unmatched,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::fold::tokens;

    fn index(docs: &[&str]) -> TokenIndex {
        TokenIndex::build(docs.iter().map(|d| tokens(d)))
    }

    fn q(s: &str) -> Vec<QueryToken> {
        tokens(s)
            .into_iter()
            .map(|text| QueryToken { text, prefix: true })
            .collect()
    }

    fn found(ix: &TokenIndex, query: &str) -> Vec<(u32, u32, bool, u32)> {
        let mut m: Vec<_> = ix
            .search(&q(query), 10_000)
            .into_iter()
            .map(|m| (m.doc, m.quality, m.all_exact, m.unmatched))
            .collect();
        m.sort();
        m
    }

    #[test]
    fn exact_prefix_and_typo_matches() {
        let ix = index(&[
            "Glūdas pagasts",
            "Glūda",
            "\"Ķiršu mājas\", Vircavas pag., Jelgavas nov., LV-3020",
            "Kalnciems",
            "Ābeļu iela 3, Ozolnieki",
        ]);
        // (doc, quality, all exact, unmatched doc tokens)
        assert_eq!(found(&ix, "gluda"), [(0, 1, false, 1), (1, 0, true, 0)]);
        assert_eq!(found(&ix, "Glūdas pag."), [(0, 0, true, 0)]);
        assert_eq!(found(&ix, "kirsu majas"), [(2, 0, true, 6)]);
        // One typo: a letter changed, swapped, missing, or one too many.
        assert_eq!(found(&ix, "kalnciema"), [(3, 2, false, 0)]);
        assert_eq!(found(&ix, "aklnciems"), [(3, 2, false, 0)]);
        assert_eq!(found(&ix, "kalnems"), []);
        assert_eq!(found(&ix, "klnciems"), [(3, 2, false, 0)]);
        assert_eq!(found(&ix, "kallnciems"), [(3, 2, false, 0)]);
        assert_eq!(found(&ix, "abelu 3"), [(4, 0, true, 2)]);
        assert_eq!(found(&ix, "nothing here"), []);
    }

    /// The parallel build is the sequential one, field for field.
    #[test]
    fn parallel_build_is_the_same_index() {
        let docs: Vec<String> = (0..70_000)
            .map(|i| {
                format!(
                    "\"Mājas {}\", {} iela {}, Glūdas pag., Jelgavas nov., LV-30{:02}",
                    i % 977,
                    ["Upes", "Skolas", "Ābeļu", "Kalnu"][i % 4],
                    i % 131,
                    i % 97
                )
            })
            .collect();
        let a = TokenIndex::build(docs.iter().map(|d| tokens(d)));
        let b = TokenIndex::build_par(docs.len(), |i| tokens(&docs[i]));
        assert_eq!(a.text, b.text);
        assert_eq!(a.tok_off, b.tok_off);
        assert_eq!(a.doc_off, b.doc_off);
        assert_eq!(a.doc_tok, b.doc_tok);
        assert_eq!(a.post_off, b.post_off);
        assert_eq!(a.postings, b.postings);
        assert_eq!(a.deletes, b.deletes);
        let empty = TokenIndex::build_par(0, |_| Vec::new());
        assert_eq!(empty.docs(), 0);
    }

    #[test]
    fn prefix_budget_keeps_the_shortest_words() {
        let docs: Vec<String> = (0..50)
            .map(|i| format!("kal{}", "n".repeat(i + 1)))
            .collect();
        let ix = TokenIndex::build(docs.iter().map(|d| tokens(d)));
        let m = ix.search(&q("kal"), 5);
        let mut got: Vec<u32> = m.iter().map(|m| m.doc).collect();
        got.sort();
        assert_eq!(got, [0, 1, 2, 3, 4]);
    }
}
