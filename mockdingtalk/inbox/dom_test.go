// A tiny DOM query helper for the handler-level specs: parse an HTML page
// or fragment with golang.org/x/net/html and find elements by simple CSS
// selectors (tag, .class, #id, [attr], [attr=value], descendants).

package inbox_test

import (
	"regexp"
	"strconv"
	"strings"

	. "github.com/onsi/gomega"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

type dom struct{ root *html.Node }

func parseDOM(s string) dom {
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	Expect(err).NotTo(HaveOccurred())
	root := &html.Node{Type: html.ElementNode, Data: "root"}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	return dom{root}
}

var compoundRE = regexp.MustCompile(`^([a-z0-9]*)((?:[.#][\w-]+|\[[\w-]+(?:=[^\]]*)?\])*)$`)
var partRE = regexp.MustCompile(`[.#][\w-]+|\[[\w-]+(?:=[^\]]*)?\]`)

func matches(n *html.Node, compound string) bool {
	if n.Type != html.ElementNode {
		return false
	}
	m := compoundRE.FindStringSubmatch(compound)
	Expect(m).NotTo(BeNil(), "bad selector %q", compound)
	if m[1] != "" && n.Data != m[1] {
		return false
	}
	for _, p := range partRE.FindAllString(m[2], -1) {
		switch p[0] {
		case '.':
			if !hasClass(n, p[1:]) {
				return false
			}
		case '#':
			if attr(n, "id") != p[1:] {
				return false
			}
		case '[':
			name, val, hasVal := strings.Cut(p[1:len(p)-1], "=")
			v, ok := attrOK(n, name)
			if !ok || (hasVal && v != strings.Trim(val, `"'`)) {
				return false
			}
		}
	}
	return true
}

// all returns the elements under n matching a selector like
// `article.entry[data-msgtype=markdown] h3`.
func (d dom) all(sel string) []*html.Node { return queryAll(d.root, sel) }

func (d dom) one(sel string) *html.Node {
	found := d.all(sel)
	Expect(found).NotTo(BeEmpty(), "no element matches %q", sel)
	return found[0]
}

func queryAll(root *html.Node, sel string) []*html.Node {
	parts := strings.Fields(sel)
	current := []*html.Node{root}
	for _, p := range parts {
		var next []*html.Node
		seen := map[*html.Node]bool{}
		for _, c := range current {
			walk(c, func(n *html.Node) {
				if n != c && !seen[n] && matches(n, p) {
					seen[n] = true
					next = append(next, n)
				}
			})
		}
		current = next
	}
	return current
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

func texts(ns []*html.Node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = text(n)
	}
	return out
}

type htmlNode = html.Node

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
