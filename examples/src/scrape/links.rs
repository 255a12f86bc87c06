//! Finding the links in a page with a real HTML parser.
//!
//! Pages on the web are not well-formed XML: unclosed `<p>`s, attributes without quotes,
//! `<a>` inside tables, comments holding markup. A regular expression over the text gets
//! these wrong; `scraper` (html5ever, Servo's implementation of the HTML5 parsing
//! algorithm, plus CSS selectors) builds the same tree a browser would, and the selector
//! `a[href]` then finds every link element. [`same_site_links`] resolves each `href`
//! against the page's URL ([`HttpUrl::join`]) and keeps the http links on the page's own
//! host and port, each once, in document order.
//!
//! `scraper::Html` is not `Send`, so it lives only inside this synchronous function: an
//! async task calls it between two awaits and keeps just the resulting URLs.

use std::collections::HashSet;
use std::sync::LazyLock;

use scraper::{Html, Selector};

use super::http_url::HttpUrl;

static LINK: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a[href]").expect("a valid CSS selector"));

/// The distinct same-site http links of `html`, found at `page`, in document order.
pub fn same_site_links(html: &str, page: &HttpUrl) -> Vec<HttpUrl> {
    let document = Html::parse_document(html);
    let mut seen = HashSet::new();
    document
        .select(&LINK)
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|href| page.join(href))
        .filter(|url| url.same_site(page))
        .filter(|url| seen.insert(url.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_links_in_messy_html() {
        let page = HttpUrl::parse("http://h:1/page/1.html").unwrap();
        let html = r#"<!doctype html><title>x</title>
            <p>unclosed <a href=2.html>two</a> <a href='/page/3.html#c'>three
            <!-- <a href="/page/99.html">commented out</a> -->
            <table><tr><td><a href="http://h:1/page/4.html">four</a></table>
            <a href="http://elsewhere:1/">away</a> <a href="mailto:x@h">mail</a>
            <a name="anchor-without-href">no</a> <a href="2.html">two again</a>
            <link href="/style.css" rel="stylesheet">"#;
        let found: Vec<String> = same_site_links(html, &page)
            .iter()
            .map(|u| u.path.clone())
            .collect();
        assert_eq!(found, ["/page/2.html", "/page/3.html", "/page/4.html"]);
    }
}
