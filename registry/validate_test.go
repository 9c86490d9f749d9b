package registry_test

import (
	"strings"
	"testing"
	"time"

	"precinct"
	"precinct/registry"
)

var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func TestParseResidentID(t *testing.T) {
	// 11010519491231002X is the example number of GB 11643.
	id, err := registry.ParseResidentID("11010519491231002x", "id_number", now)
	if err != nil {
		t.Fatal(err)
	}
	if id.Number != "11010519491231002X" || id.Region != "110105" || id.Birth.Format("2006-01-02") != "1949-12-31" || id.Male {
		t.Errorf("parsed %+v", id)
	}
	if id, err := registry.ParseResidentID(" ５００１１４１９９００１０１１２３４ ", "id_number", now); err == nil {
		t.Errorf("wrong check digit accepted: %+v", id)
	}
	valid := "500114199001011" + "23"
	valid += string(registry.IDCheckChar(valid))
	if id, err := registry.ParseResidentID(valid, "id_number", now); err != nil || !id.Male == ((valid[16]-'0')%2 == 1) {
		t.Fatalf("%s: %v", valid, err)
	}
	tests := []struct{ in, want string }{
		{"", "required"},
		{"123", "18 characters"},
		{"110105491231002", "15-digit"},
		{"1101051949123100AX", "first 17"},
		{"99010519491231002X", "region code"},
		{"110105194913310023", "not a valid date"},
		{"110105202712310020", "impossible"},
		{"110105180012310025", "impossible"},
		{"110105194912310021", "check character"},
	}
	for _, tt := range tests {
		_, err := registry.ParseResidentID(tt.in, "id_number", now)
		var e *precinct.Error
		if !asErr(err, &e) || e.Code != precinct.EINVALID || e.Field != "id_number" || !strings.Contains(e.MessageEN, tt.want) || e.Message == "" {
			t.Errorf("ParseResidentID(%q) = %v, want EINVALID on id_number saying %q", tt.in, err, tt.want)
		}
	}
}

func TestCheckCreditCode(t *testing.T) {
	// Build a valid code from a body and its computed check character.
	body := "91500114MA5U" + "12345"
	valid := body + string(registry.CreditCheckChar(body))
	if code, w := registry.CheckCreditCode(strings.ToLower(valid[:5])+" "+valid[5:], "credit_code"); w != nil || code != valid {
		t.Errorf("valid code %s: %q, %v", valid, code, w)
	}
	// A published code: 91350100M000100Y43.
	if _, w := registry.CheckCreditCode("91350100M000100Y43", "credit_code"); w != nil {
		t.Errorf("published code warned: %v", w)
	}
	for _, in := range []string{
		body + "0", // wrong check char (unless 0 is right)
		"12345678-9",
		"91500114MA5U1234I5",
	} {
		if in == valid {
			continue
		}
		code, w := registry.CheckCreditCode(in, "credit_code")
		if w == nil || w.Field != "credit_code" || w.Message == "" || w.MessageEN == "" {
			t.Errorf("CheckCreditCode(%q) = %q, no bilingual warning", in, code)
		}
		if code == "" {
			t.Errorf("CheckCreditCode(%q) dropped the code; it must be kept", in)
		}
	}
	if _, w := registry.CheckCreditCode("", "credit_code"); w != nil {
		t.Error("empty code warned")
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
		kind     registry.PhoneKind
	}{
		{"138 0013 8000", "13800138000", registry.Mobile},
		{"+86 138-0013-8000", "13800138000", registry.Mobile},
		{"008613800138000", "13800138000", registry.Mobile},
		{"１９９１２３４５６７８", "19912345678", registry.Mobile},
		{"023-79223456", "023-79223456", registry.Landline},
		{"(023)79223456", "023-79223456", registry.Landline},
		{"02379223456", "023-79223456", registry.Landline},
		{"010-12345678", "", ""},
		{"010-62345678", "010-62345678", registry.Landline},
		{"010 6234 5678", "010-62345678", registry.Landline},
		{"0593-2345678", "0593-2345678", registry.Landline},
		{"0593-2345678转123", "0593-2345678-123", registry.Landline},
		{"", "", ""},
		{"12345678901", "", ""},
		{"1380013800", "", ""},
		{"79223456", "", ""},
		{"023-0922345", "", ""},
		{"abc", "", ""},
		{"+1 2025550123", "", ""},
		{"13800138000转1", "", ""},
	}
	for _, tt := range tests {
		got, kind, err := registry.NormalizePhone(tt.in, "phone")
		if tt.want == "" {
			var e *precinct.Error
			if !asErr(err, &e) || e.Field != "phone" || e.Code != precinct.EINVALID {
				t.Errorf("NormalizePhone(%q) = %q, %v; want EINVALID on phone", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want || kind != tt.kind {
			t.Errorf("NormalizePhone(%q) = %q %s %v, want %q %s", tt.in, got, kind, err, tt.want, tt.kind)
		}
	}
}

func FuzzParseResidentID(f *testing.F) {
	f.Add("11010519491231002X")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := registry.ParseResidentID(s, "id_number", now)
		if err != nil {
			if precinct.ErrorCode(err) != precinct.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if len(id.Number) != 18 || registry.IDCheckChar(id.Number[:17]) != id.Number[17] || id.Birth.After(now) {
			t.Fatalf("accepted %q as %+v", s, id)
		}
		again, err := registry.ParseResidentID(id.Number, "id_number", now)
		if err != nil || again != id {
			t.Fatalf("normal form %q does not parse to itself: %+v %v", id.Number, again, err)
		}
	})
}

func FuzzCheckCreditCode(f *testing.F) {
	f.Add("91350100M000100Y43")
	f.Fuzz(func(t *testing.T, s string) {
		code, w := registry.CheckCreditCode(s, "credit_code")
		if w == nil && code != "" && (len(code) != 18 || registry.CreditCheckChar(code[:17]) != code[17]) {
			t.Fatalf("%q passed without a warning as %q", s, code)
		}
		if w != nil && (w.Code != precinct.EINVALID || w.Message == "" || w.MessageEN == "") {
			t.Fatalf("warning %+v", w)
		}
	})
}

func FuzzNormalizePhone(f *testing.F) {
	f.Add("023-79223456")
	f.Fuzz(func(t *testing.T, s string) {
		got, kind, err := registry.NormalizePhone(s, "phone")
		if err != nil {
			if precinct.ErrorCode(err) != precinct.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		again, kind2, err := registry.NormalizePhone(got, "phone")
		if err != nil || again != got || kind2 != kind {
			t.Fatalf("%q → %q does not normalise to itself: %q %v", s, got, again, err)
		}
		if kind == registry.Mobile && len(got) != 11 {
			t.Fatalf("mobile %q", got)
		}
	})
}

func TestNormalizeAddress(t *testing.T) {
	for in, want := range map[string]string{
		"文汇社区 阳光小区 三栋二单元五〇一": "文汇社区阳光小区3栋2单元501",
		"阳光小区3号楼2单元501室":     "阳光小区3栋2单元501",
		"Ａ座１２０３":             "A栋1203",
		"石家村十二组":             "石家村12组",
		"一百零五号":              "105号",
		"二十栋":                "20栋",
		"十字路口一品小区":           "十字路口一品小区",
	} {
		if got := registry.NormalizeAddress(in); got != want {
			t.Errorf("NormalizeAddress(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"文汇社区居民委员会": "文汇社区", "石家村村民委员会": "石家村", "城东街道办事处": "城东街道", "新华大道": ""} {
		if got := registry.ShortName(in); got != want {
			t.Errorf("ShortName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzNormalizeAddress(f *testing.F) {
	f.Add("文汇社区阳光小区三栋二单元五〇一室")
	f.Fuzz(func(t *testing.T, s string) {
		n := registry.NormalizeAddress(s)
		if again := registry.NormalizeAddress(n); again != n {
			t.Fatalf("%q → %q → %q: not stable", s, n, again)
		}
		_ = registry.ShortName(n)
		for _, level := range []precinct.AddressLevel{precinct.AddressBuilding, precinct.AddressUnit, precinct.AddressRoom, precinct.AddressRoad} {
			if seg := registry.Segment(level, n, ""); seg == "" || strings.Contains(seg, "/") {
				t.Fatalf("segment %q of %q", seg, n)
			}
		}
	})
}
