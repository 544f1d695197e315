//! A site in the words the pages use: whether it is a place to get online,
//! what it is, and the help it offers.

use super::i18n::{Lang, t};
use gapmap_model::{Site, SiteKind, SiteStatus};

/// An active place where a resident can get online or get help: free
/// Wi-Fi, a library or a client service point (KAC).
pub fn is_public_access(s: &Site) -> bool {
    s.status == SiteStatus::Active
        && (s.is_free_wifi() || matches!(s.kind, SiteKind::Library | SiteKind::Kac))
}

/// What a site is: "Bibliotēka · Bezmaksas Wi-Fi".
pub fn what(lang: Lang, s: &Site) -> String {
    let mut words = vec![t(lang, &format!("kind.{}", s.kind.as_str()))];
    if s.is_free_wifi() && s.kind != SiteKind::Wifi {
        words.push(t(lang, "kind.wifi"));
    }
    words.join(" · ")
}

/// How to get online at a site, in the page's language: a
/// `how_to_connect` that is a catalogue key (`connect.…`, e.g.
/// `library_ask_librarian`) in its words; free text as the IT department
/// wrote it.
pub fn how_to_connect(lang: Lang, s: &Site) -> Option<String> {
    let text = s.how_to_connect.as_deref()?;
    let key = format!("connect.{text}");
    Some(match super::i18n::has(lang, &key) {
        true => t(lang, &key).to_owned(),
        false => text.to_owned(),
    })
}

/// The help a site offers, in words (free Wi-Fi is said elsewhere; a code
/// the catalogue does not know is shown with spaces for underscores).
pub fn services(lang: Lang, s: &Site) -> Vec<String> {
    s.services
        .iter()
        .filter(|x| x.as_str() != "free_wifi")
        .map(|x| match t(lang, &format!("svc.{x}")) {
            "" => x.replace('_', " "),
            w => w.to_owned(),
        })
        .collect()
}
