// Package sqltext is aiodb's one SQL lexer: the driver reads statements
// with it to decide what to cache and which savepoint statements to
// report, and the orm to tell reads from writes for replica routing. It
// knows only what those decisions need (words, quoted text, comments,
// parameters, semicolons) and errs towards Invalid when in doubt, since
// every caller then takes the safe path (pass the statement through, send
// it to the primary).
package sqltext

import "strings"

// Kind is the kind of a Token.
type Kind uint8

const (
	// EOF ends the text (trailing whitespace and comments included).
	EOF Kind = iota
	// Word is a keyword, identifier or number: letters, digits, '_',
	// '$' after the first byte, and bytes >= 0x80.
	Word
	// Quoted is '...', "...", `...` (a doubled quote stands for one) or
	// PostgreSQL's $tag$...$tag$.
	Quoted
	// Param is a numbered parameter: $1, $2, ...
	Param
	// Semicolon is ';'.
	Semicolon
	// Punct is any other byte: operators, parentheses, commas, '?'.
	Punct
	// Invalid is text the lexer will not vouch for: an unterminated
	// quote or comment, a backslash inside quotes (an escape in MySQL, a
	// plain character in standard SQL), or a nested block comment. It
	// ends the token stream.
	Invalid
)

// Token is one token; Text is its source text, quotes included.
type Token struct {
	Kind Kind
	Text string
}

// Lexer reads tokens from a statement. The zero value reads nothing; make
// one with New.
type Lexer struct {
	src string
	pos int
	bad bool // an Invalid token was returned
	// HashComments makes '#' start a comment to the end of the line, as
	// in MySQL. Off, '#' is Punct (PostgreSQL's XOR operator).
	HashComments bool
}

// New returns a lexer of s.
func New(s string) Lexer { return Lexer{src: s} }

// Rest returns the text not read yet.
func (l *Lexer) Rest() string { return l.src[l.pos:] }

// Next returns the next token, skipping whitespace and comments. After
// EOF or Invalid it returns the same again.
func (l *Lexer) Next() Token {
	if l.bad || !l.skip() {
		return l.invalid()
	}
	s, i := l.src, l.pos
	if i >= len(s) {
		return Token{Kind: EOF}
	}
	c := s[i]
	end := i + 1
	kind := Punct
	switch {
	case c == '\'' || c == '"' || c == '`':
		j := i + 1
		for ; j < len(s); j++ {
			if s[j] == '\\' {
				return l.invalid()
			}
			if s[j] == c {
				if j+1 < len(s) && s[j+1] == c {
					j++
					continue
				}
				break
			}
		}
		if j >= len(s) {
			return l.invalid()
		}
		kind, end = Quoted, j+1
	case c == '$':
		if i+1 < len(s) && isDigit(s[i+1]) {
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			kind, end = Param, j
		} else if tag, ok := dollarTag(s[i:]); ok {
			close := strings.Index(s[i+len(tag):], tag)
			if close < 0 {
				return l.invalid()
			}
			kind, end = Quoted, i+len(tag)+close+len(tag)
		}
	case isWordStart(c):
		j := i + 1
		for j < len(s) && IsWordByte(s[j]) {
			j++
		}
		kind, end = Word, j
	case c == ';':
		kind = Semicolon
	}
	l.pos = end
	return Token{Kind: kind, Text: s[i:end]}
}

func (l *Lexer) invalid() Token {
	l.pos, l.bad = len(l.src), true
	return Token{Kind: Invalid}
}

// skip moves past whitespace and comments; false when a comment does not
// end or nests.
func (l *Lexer) skip() bool {
	s := l.src
	for l.pos < len(s) {
		switch c := s[l.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
		case c == '-' && l.pos+1 < len(s) && s[l.pos+1] == '-', c == '#' && l.HashComments:
			nl := strings.IndexByte(s[l.pos:], '\n')
			if nl < 0 {
				l.pos = len(s)
				return true
			}
			l.pos += nl + 1
		case c == '/' && l.pos+1 < len(s) && s[l.pos+1] == '*':
			body := s[l.pos+2:]
			close := strings.Index(body, "*/")
			if close < 0 || strings.Contains(body[:close], "/*") {
				return false
			}
			l.pos += 2 + close + 2
		default:
			return true
		}
	}
	return true
}

// FirstWord returns the first token of s when it is a Word ("" when it is
// not) and the text after it.
func FirstWord(s string) (word, rest string) {
	l := Lexer{src: s, HashComments: true}
	t := l.Next()
	if t.Kind != Word {
		return "", s
	}
	return t.Text, l.Rest()
}

// SingleStatement reports whether the text has no ';' but trailing ones
// and nothing Invalid. '#' is not taken for a comment, which errs towards
// false.
func SingleStatement(s string) bool {
	l := New(s)
	ended := false
	for {
		switch t := l.Next(); t.Kind {
		case EOF:
			return true
		case Invalid:
			return false
		case Semicolon:
			ended = true
		default:
			if ended {
				return false
			}
		}
	}
}

// Unquote returns the text of a Quoted identifier or string without its
// quotes, a doubled quote read as one; other tokens are returned as they
// are.
func Unquote(t Token) string {
	if t.Kind != Quoted || len(t.Text) < 2 {
		return t.Text
	}
	q := t.Text[0]
	if q == '$' {
		tag := strings.IndexByte(t.Text[1:], '$') + 2
		return t.Text[tag : len(t.Text)-tag]
	}
	body := t.Text[1 : len(t.Text)-1]
	return strings.ReplaceAll(body, string([]byte{q, q}), string(q))
}

// EqualFold compares ASCII words case-insensitively without allocating.
func EqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'a' && x <= 'z' {
			x -= 'a' - 'A'
		}
		if y >= 'a' && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// IsWordByte reports whether c may continue a Word.
func IsWordByte(c byte) bool { return isWordStart(c) || c == '$' }

func isWordStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) || c >= 0x80
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// dollarTag returns the opening tag ($$ or $name$) of a dollar-quoted
// string at the start of s.
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		c := s[j]
		switch {
		case c == '$':
			return s[:j+1], true
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= 0x80:
		case isDigit(c) && j > 1:
		default:
			return "", false
		}
	}
	return "", false
}
