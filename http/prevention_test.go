package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"precinct"
)

// capAlert is a CAP 1.2 alert of the anti-fraud platform naming a person
// by phone, transferring money now.
const capAlert = `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>FZ-CAP-20260302-0001</identifier>
  <sender>fzzx@sb1.gaj</sender>
  <sent>2026-03-02T09:15:00+08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Restricted</scope>
  <restriction>公安内部</restriction>
  <info>
    <language>zh-CN</language>
    <category>Security</category>
    <event>冒充公检法诈骗</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <eventCode><valueName>fraud_type</valueName><value>impersonating_police</value></eventCode>
    <headline>疑似正在向“安全账户”转账</headline>
    <parameter><valueName>name</valueName><value>矩阵丙</value></parameter>
    <parameter><valueName>phone</valueName><value>13712340099</value></parameter>
    <parameter><valueName>amount</valueName><value>120000</value></parameter>
    <area>
      <areaDesc>矩阵区sb1街道st1社区pg1</areaDesc>
      <circle>29.1,108.1 0.5</circle>
    </area>
  </info>
</alert>`

// TestWarningsOverHTTP: a CAP 1.2 alert and a JSON batch go in; the right
// officer gets the tasks; the outcome comes back; the figures add up. A
// malformed CAP document or batch row is refused with a clear error and
// nothing written.
func TestWarningsOverHTTP(t *testing.T) {
	e := newEnv(t)
	ctx := precinct.NewContextWithUser(context.Background(), &precinct.User{ID: "system", Role: precinct.RoleAdmin})
	reg := e.http.Registry
	p := precinct.Point{Lon: 108.1, Lat: 29.1}
	mk := func(parent string, level precinct.AddressLevel, name, code string) string {
		a, err := reg.CreateAddress(ctx, precinct.AddressInput{ParentID: parent, Level: level, Name: name, DivisionCode: code, Point: &p})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	room := mk(mk(mk(mk(mk("", precinct.AddressDistrict, "预警区", "500114"), precinct.AddressTownship, "预警街道", "500114901"),
		precinct.AddressCommunity, "预警社区", "500114901001"), precinct.AddressBuilding, "8栋", ""), precinct.AddressRoom, "808", "")
	phone, id := "13712340099", idNumber("19450601", "777")
	if _, err := reg.CreateResident(ctx, precinct.ResidentInput{Name: ptr("矩阵丙"), Phone: &phone, AddressID: &room}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.CreateResident(ctx, precinct.ResidentInput{Name: ptr("矩阵丁"), IDNumber: &id, AddressID: &room}); err != nil {
		t.Fatal(err)
	}
	tok := e.login("dispatcher")
	count := func() int {
		ws, _, err := e.store.ListWarnings(context.Background(), precinct.WarningFilter{Scope: precinct.Everywhere, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(ws)
	}

	// Malformed CAP documents: refused, naming what is wrong; nothing written.
	for name, doc := range map[string]string{
		"not XML":           "<alert",
		"wrong namespace":   strings.Replace(capAlert, "cap:1.2", "cap:1.1", 1),
		"out of order":      strings.Replace(strings.Replace(capAlert, "<status>Actual</status>", "", 1), "<msgType>Alert</msgType>", "<msgType>Alert</msgType><status>Actual</status>", 1),
		"bad status":        strings.Replace(capAlert, "<status>Actual</status>", "<status>Real</status>", 1),
		"no identifier":     strings.Replace(capAlert, "<identifier>FZ-CAP-20260302-0001</identifier>", "", 1),
		"sent without zone": strings.Replace(capAlert, "2026-03-02T09:15:00+08:00", "2026-03-02T09:15:00", 1),
		"unknown element":   strings.Replace(capAlert, "<headline>", "<victim>x</victim><headline>", 1),
		"bad circle":        strings.Replace(capAlert, "29.1,108.1 0.5", "29.1;108.1", 1),
		"test alert":        strings.Replace(capAlert, "<status>Actual</status>", "<status>Test</status>", 1),
	} {
		code, b := e.send(tok, "POST", "/api/v1/warnings", "application/cap+xml", strings.NewReader(doc))
		var body struct {
			Error struct{ Code, Message, MessageEN string }
		}
		_ = json.Unmarshal(b, &body)
		if code != 400 || body.Error.Code != precinct.EINVALID || !strings.Contains(string(b), "CAP") {
			t.Errorf("%s: %d %s", name, code, b)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("refused documents wrote %d warnings", n)
	}

	// The CAP alert: matched by phone, pushed to pg1's community officer
	// with a deadline of minutes.
	code, b := e.send(tok, "POST", "/api/v1/warnings", "application/cap+xml", strings.NewReader(capAlert))
	var res struct {
		Received, Pushed int
		Rows             []struct {
			WarningID string `json:"warning_id"`
			TaskID    string `json:"task_id"`
			MatchedBy string `json:"matched_by"`
			Status    string
		}
	}
	if code != 201 || json.Unmarshal(b, &res) != nil || res.Pushed != 1 || res.Rows[0].MatchedBy != "phone" {
		t.Fatalf("CAP alert: %d %s", code, b)
	}
	capTask := res.Rows[0].TaskID
	code, b = e.call(tok, "GET", "/api/v1/warnings/"+res.Rows[0].WarningID, nil)
	var v struct {
		FraudType string `json:"fraud_type"`
		Level     string
		Amount    float64
		Phone     string
		Source    string
		Task      struct {
			Assignee string
			DueAt    time.Time `json:"due_at"`
			OpenedAt time.Time `json:"opened_at"`
		}
	}
	if code != 200 || json.Unmarshal(b, &v) != nil || v.FraudType != "impersonating_police" || v.Level != "transferring" || v.Amount != 120000 ||
		v.Source != "cap" || v.Phone != "137****0099" || v.Task.Assignee != "user:u3" || v.Task.DueAt.Sub(v.Task.OpenedAt) != 15*time.Minute {
		t.Fatalf("warning: %d %s", code, b)
	}
	// The same alert again writes nothing.
	if code, b := e.send(tok, "POST", "/api/v1/warnings", "application/cap+xml", strings.NewReader(capAlert)); code != 200 || !strings.Contains(string(b), `"duplicate"`) {
		t.Errorf("CAP resent: %d %s", code, b)
	}

	// A JSON batch with a bad row: 400 listing it, nothing written.
	batch := map[string]any{"warnings": []map[string]any{
		{"ref": "J-1", "fraud_type": "investment", "level": "high", "id_number": id, "amount": 30000},
		{"ref": "J-2", "fraud_type": "loan", "phone": "12345"},
	}}
	code, b = e.call(tok, "POST", "/api/v1/warnings", batch)
	var refused struct {
		Error  struct{ Code string }
		Errors []struct {
			Row   int
			Field string
		}
	}
	if code != 400 || json.Unmarshal(b, &refused) != nil || len(refused.Errors) != 1 || refused.Errors[0].Row != 2 || refused.Errors[0].Field != "phone" {
		t.Fatalf("bad batch: %d %s", code, b)
	}
	if n := count(); n != 1 {
		t.Fatalf("a refused batch wrote: %d warnings", n)
	}
	batch["warnings"] = batch["warnings"].([]map[string]any)[:1]
	code, b = e.call(tok, "POST", "/api/v1/warnings", batch)
	if code != 201 || json.Unmarshal(b, &res) != nil || res.Rows[0].MatchedBy != "id_number" {
		t.Fatalf("batch: %d %s", code, b)
	}
	jsonTask := res.Rows[0].TaskID

	// The officer sees both tasks and reports: one dissuaded in person,
	// the other not reached.
	off := e.login("officer1")
	code, b = e.call(off, "GET", "/api/v1/dissuasion-tasks?open=true", nil)
	if code != 200 || !strings.Contains(string(b), capTask) || !strings.Contains(string(b), jsonTask) {
		t.Fatalf("officer's tasks: %d %s", code, b)
	}
	if code, b := e.call(off, "POST", "/api/v1/dissuasion-tasks/"+capTask+"/report", map[string]any{"data": map[string]any{"contact": "in_person", "dissuaded": true}}); code != 200 {
		t.Fatalf("report: %d %s", code, b)
	}
	if code, b := e.call(off, "POST", "/api/v1/dissuasion-tasks/"+jsonTask+"/unreached", map[string]any{"note": "电话无人接听，上门不在家"}); code != 200 {
		t.Fatalf("unreached: %d %s", code, b)
	}
	// The figures add up.
	code, b = e.call(tok, "GET", "/api/v1/stats/warnings?from=2026-01&to=2026-12", nil)
	if code != 200 {
		t.Fatalf("figures: %d %s", code, b)
	}
	now := time.Now().In(precinct.CST).Format("2006-01")
	code, b = e.call(tok, "GET", "/api/v1/stats/warnings?from="+now+"&to="+now, nil)
	var f struct {
		Total struct {
			Pushed, Reached, Dissuaded, NotReached int `json:"-"`
		}
		Raw       map[string]any `json:"-"`
		Reference struct {
			ReachRate float64 `json:"reach_rate"`
		}
	}
	var raw map[string]map[string]any
	_ = json.Unmarshal(b, &raw)
	_ = json.Unmarshal(b, &f)
	tot := raw["total"]
	if code != 200 || tot["pushed"] != 2.0 || tot["reached"] != 1.0 || tot["dissuaded"] != 1.0 || tot["not_reached"] != 1.0 ||
		tot["losses_avoided"] != 120000.0 || tot["reach_rate"] != 0.5 || f.Reference.ReachRate < 0.648 || f.Reference.ReachRate > 0.65 {
		t.Fatalf("figures: %d %s", code, b)
	}
}

// TestCAPSchemaWithXmllint checks the alert the tests send, and a warning
// notice Precinct writes, against the CAP 1.2 schema with xmllint, and
// that a document the Go check refuses the schema refuses too. Needs
// xmllint (libxml2-utils); CI installs it.
func TestCAPSchemaWithXmllint(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xmllint is missing (install libxml2-utils)")
		}
		t.Skip("xmllint not installed")
	}
	xsd, err := filepath.Abs("../prevention/testdata/CAP-v1.2.xsd")
	if err != nil {
		t.Fatal(err)
	}
	run := func(doc string) error {
		f := filepath.Join(t.TempDir(), "alert.xml")
		if err := os.WriteFile(f, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		cmd := exec.Command(xmllint, "--noout", "--schema", xsd, f)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return &exec.Error{Name: out.String(), Err: err}
		}
		return nil
	}
	if err := run(capAlert); err != nil {
		t.Errorf("the test alert fails the schema: %v", err)
	}
	for name, doc := range map[string]string{
		"bad status":   strings.Replace(capAlert, "<status>Actual</status>", "<status>Real</status>", 1),
		"out of order": strings.Replace(strings.Replace(capAlert, "<status>Actual</status>", "", 1), "<msgType>Alert</msgType>", "<msgType>Alert</msgType><status>Actual</status>", 1),
	} {
		if run(doc) == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}
}
