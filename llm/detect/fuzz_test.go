package detect

import (
	"strings"
	"testing"
)

func checkHits(t *testing.T, text string, hits []Hit) {
	for _, h := range hits {
		if h.Start == -1 && h.End == -1 {
			continue
		}
		if h.Start < 0 || h.End < h.Start || h.End > len(text) {
			t.Fatalf("hit %+v out of range for %d bytes", h, len(text))
		}
	}
}

func FuzzLeak(f *testing.F) {
	f.Add("the code is CANARY-7Q2K-ZX91", "CANARY-7Q2K-ZX91")
	f.Add("Q0FOQVJZLTdRMkstWlg5MQ==", "CANARY-7Q2K-ZX91")
	f.Add("%43%41\\x4e 0x41", "CANARY")
	f.Add("\xff\xfe С\u200bA", "xx")
	f.Fuzz(func(t *testing.T, text, secret string) {
		h, ok := Leak(text, secret)
		if ok {
			checkHits(t, text, []Hit{h})
		}
	})
}

func FuzzExfil(f *testing.F) {
	f.Add("![x](https://evil.test/a.png?d=1) <img src=//x.test>", "example.com")
	f.Add("[a][1]\n[1]: http://[::1", "")
	f.Fuzz(func(t *testing.T, text, host string) {
		checkHits(t, text, Exfil(text, []string{host}))
	})
}

func FuzzMarkup(f *testing.F) {
	f.Add("<svg onload=alert(1)><a href='jav&#x61;script:x'>")
	f.Add("<<script")
	f.Fuzz(func(t *testing.T, text string) {
		checkHits(t, text, Markup(text))
	})
}

func FuzzToolArgs(f *testing.F) {
	f.Add(`{"q":"' OR 1=1 --","p":"../../etc/passwd"}`)
	f.Add("ls; rm -rf / $(id) `whoami`")
	f.Add(`[[[[{"a":"%2e%2e%2f"}]]]]`)
	f.Fuzz(func(t *testing.T, args string) {
		checkHits(t, args, ToolArgs(args))
	})
}

func TestLargeInput(t *testing.T) {
	big := strings.Repeat("QUJDREVGR0g= 41424344 %41%42 ", 100000)
	if _, ok := Leak(big, "CANARY-7Q2K-ZX91"); ok {
		t.Fatal("unexpected leak")
	}
	_ = Exfil(big, nil)
	_ = Markup(big)
	_ = ToolArgs(big)
}
