//! Plain `http://` URLs: parsing, resolving a link against its page, normalising.
//!
//! A crawler needs three things from URLs: parse the start address, turn every `href` it
//! finds into an absolute address (RFC 3986 section 5.2: a link may be absolute,
//! protocol-relative `//host/x`, root-relative `/x`, or relative to the page's folder
//! `x`, `./x`, `../x`), and decide when two links name the same page (so each page is
//! fetched once). [`HttpUrl`] is the normalised form: lowercase host, explicit port,
//! a path with `.` and `..` segments removed, the query kept, the fragment (`#...`, a
//! place inside the page) dropped. Anything that is not `http` (`https:`, `mailto:`,
//! `javascript:`) resolves to `None`: this crawler speaks plain HTTP only.

use std::fmt;

/// A normalised `http://host:port/path?query`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HttpUrl {
    /// Lowercase host name or address (IPv6 in brackets).
    pub host: String,
    /// Port (80 when the URL gave none).
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl HttpUrl {
    /// Parses an absolute `http://` URL.
    pub fn parse(text: &str) -> Result<HttpUrl, String> {
        let rest = strip_scheme(text.trim())
            .ok_or_else(|| format!("{text:?} is not an http:// URL (https is not supported)"))?;
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = split_authority(authority)
            .ok_or_else(|| format!("{text:?} has no valid host[:port]"))?;
        Ok(HttpUrl {
            host,
            port,
            path: normalise_path(path),
        })
    }

    /// The absolute URL `href` points to from this page, or `None` if it is not http.
    pub fn join(&self, href: &str) -> Option<HttpUrl> {
        let href = href.trim();
        if let Some(rest) = href.strip_prefix("//") {
            return HttpUrl::parse(&format!("http://{rest}")).ok();
        }
        if has_scheme(href) {
            return HttpUrl::parse(href).ok();
        }
        let path = if href.starts_with('/') {
            href.to_string()
        } else if href.is_empty() || href.starts_with('#') {
            self.path.clone()
        } else if href.starts_with('?') {
            format!("{}{href}", self.path.split('?').next().unwrap_or("/"))
        } else {
            // Relative to the page's folder: everything up to its last '/'.
            let base = self.path.split('?').next().unwrap_or("/");
            let folder = &base[..=base.rfind('/').unwrap_or(0)];
            format!("{folder}{href}")
        };
        Some(HttpUrl {
            host: self.host.clone(),
            port: self.port,
            path: normalise_path(&path),
        })
    }

    /// `host:port`, for connecting and for the `Host` header.
    pub fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// True if `other` is on the same host and port.
    pub fn same_site(&self, other: &HttpUrl) -> bool {
        self.host == other.host && self.port == other.port
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}:{}{}", self.host, self.port, self.path)
    }
}

fn strip_scheme(text: &str) -> Option<&str> {
    let (scheme, rest) = text.split_once("://")?;
    scheme.eq_ignore_ascii_case("http").then_some(rest)
}

/// `scheme:` at the start (letters, digits, `+-.`, starting with a letter).
fn has_scheme(href: &str) -> bool {
    match href.find(':') {
        Some(i) => {
            let scheme = &href[..i];
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

fn split_authority(authority: &str) -> Option<(String, u16)> {
    let authority = authority.rsplit('@').next()?; // drop user:password@
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let end = rest.find(']')?;
        let host = format!("[{}]", &rest[..end]);
        (host, rest[end + 1..].strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.to_string(), None),
        }
    };
    let port = match port {
        Some("") | None => 80,
        Some(p) => p.parse().ok()?,
    };
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._[]:".contains(c));
    valid.then(|| (host.to_ascii_lowercase(), port))
}

/// Drops the fragment, removes `.` and `..` segments (RFC 3986 5.2.4), keeps the query.
fn normalise_path(path: &str) -> String {
    let path = path.split('#').next().unwrap_or("");
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let mut segments: Vec<&str> = Vec::new();
    let parts: Vec<&str> = path.split('/').collect();
    for (i, segment) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        match *segment {
            "." => {
                if last {
                    segments.push("");
                }
            }
            ".." => {
                if segments.len() > 1 {
                    segments.pop();
                }
                if last {
                    segments.push("");
                }
            }
            s => segments.push(s),
        }
    }
    let mut out = segments.join("/");
    if !out.starts_with('/') {
        out.insert(0, '/');
    }
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let url = HttpUrl::parse("HTTP://Example.ORG").unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.path.as_str()),
            ("example.org", 80, "/")
        );
        let url = HttpUrl::parse("http://127.0.0.1:8080/a/./b/../c.html?x=1#top").unwrap();
        assert_eq!(url.to_string(), "http://127.0.0.1:8080/a/c.html?x=1");
        assert_eq!(
            HttpUrl::parse("http://[::1]:81/").unwrap().authority(),
            "[::1]:81"
        );
        assert!(HttpUrl::parse("https://example.org/").is_err());
        assert!(HttpUrl::parse("http://:80/").is_err());
        assert!(HttpUrl::parse("http://host:99999/").is_err());
    }

    #[test]
    fn resolves_links_like_a_browser() {
        let page = HttpUrl::parse("http://h:1/page/5.html").unwrap();
        let join = |href: &str| page.join(href).map(|u| u.to_string());
        assert_eq!(join("7.html").unwrap(), "http://h:1/page/7.html");
        assert_eq!(join("./7.html#x").unwrap(), "http://h:1/page/7.html");
        assert_eq!(join("../about.html").unwrap(), "http://h:1/about.html");
        assert_eq!(join("../../../x").unwrap(), "http://h:1/x");
        assert_eq!(join("/").unwrap(), "http://h:1/");
        assert_eq!(join("#comments").unwrap(), "http://h:1/page/5.html");
        assert_eq!(join("?p=2").unwrap(), "http://h:1/page/5.html?p=2");
        assert_eq!(join("//other:2/y").unwrap(), "http://other:2/y");
        assert_eq!(
            join("http://h:1/page/9.html").unwrap(),
            "http://h:1/page/9.html"
        );
        assert_eq!(join("mailto:someone@h"), None);
        assert_eq!(join("javascript:void(0)"), None);
        assert_eq!(join("https://h/secure"), None);
        assert!(page.same_site(&page.join("/x").unwrap()));
        assert!(!page.same_site(&page.join("//other:1/").unwrap()));
    }
}
