package prevention

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"precinct"
)

// CAPNamespace is the XML namespace of OASIS CAP 1.2.
const CAPNamespace = "urn:oasis:names:tc:emergency:cap:1.2"

// CAP 1.2 is the Common Alerting Protocol, version 1.2 (OASIS Standard,
// 2010; ITU-T X.1303). These types follow its schema (CAP-v1.2.xsd): the
// order of elements, which are required, and the enumerations are checked
// by checkCAP, so that a document the schema refuses is refused here.

// CAPAlert is a CAP 1.2 alert message.
type CAPAlert struct {
	XMLName     xml.Name  `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier  string    `xml:"identifier"`
	Sender      string    `xml:"sender"`
	Sent        string    `xml:"sent"`
	Status      string    `xml:"status"`
	MsgType     string    `xml:"msgType"`
	Source      string    `xml:"source,omitempty"`
	Scope       string    `xml:"scope"`
	Restriction string    `xml:"restriction,omitempty"`
	Addresses   string    `xml:"addresses,omitempty"`
	Code        []string  `xml:"code,omitempty"`
	Note        string    `xml:"note,omitempty"`
	References  string    `xml:"references,omitempty"`
	Incidents   string    `xml:"incidents,omitempty"`
	Info        []CAPInfo `xml:"info"`
}

// CAPInfo is an info block of an alert.
type CAPInfo struct {
	Language     string        `xml:"language,omitempty"`
	Category     []string      `xml:"category"`
	Event        string        `xml:"event"`
	ResponseType []string      `xml:"responseType,omitempty"`
	Urgency      string        `xml:"urgency"`
	Severity     string        `xml:"severity"`
	Certainty    string        `xml:"certainty"`
	Audience     string        `xml:"audience,omitempty"`
	EventCode    []CAPValue    `xml:"eventCode,omitempty"`
	Effective    string        `xml:"effective,omitempty"`
	Onset        string        `xml:"onset,omitempty"`
	Expires      string        `xml:"expires,omitempty"`
	SenderName   string        `xml:"senderName,omitempty"`
	Headline     string        `xml:"headline,omitempty"`
	Description  string        `xml:"description,omitempty"`
	Instruction  string        `xml:"instruction,omitempty"`
	Web          string        `xml:"web,omitempty"`
	Contact      string        `xml:"contact,omitempty"`
	Parameter    []CAPValue    `xml:"parameter,omitempty"`
	Resource     []CAPResource `xml:"resource,omitempty"`
	Area         []CAPArea     `xml:"area,omitempty"`
}

// CAPValue is a valueName/value pair (eventCode, parameter, geocode).
type CAPValue struct {
	ValueName string `xml:"valueName"`
	Value     string `xml:"value"`
}

// CAPResource is a resource of an info block.
type CAPResource struct {
	ResourceDesc string `xml:"resourceDesc"`
	MimeType     string `xml:"mimeType"`
	Size         string `xml:"size,omitempty"`
	URI          string `xml:"uri,omitempty"`
	DerefURI     string `xml:"derefUri,omitempty"`
	Digest       string `xml:"digest,omitempty"`
}

// CAPArea is an area of an info block.
type CAPArea struct {
	AreaDesc string     `xml:"areaDesc"`
	Polygon  []string   `xml:"polygon,omitempty"`
	Circle   []string   `xml:"circle,omitempty"`
	Geocode  []CAPValue `xml:"geocode,omitempty"`
	Altitude string     `xml:"altitude,omitempty"`
	Ceiling  string     `xml:"ceiling,omitempty"`
}

// The enumerations of CAP 1.2.
var (
	capStatus    = []string{"Actual", "Exercise", "System", "Test", "Draft"}
	capMsgType   = []string{"Alert", "Update", "Cancel", "Ack", "Error"}
	capScope     = []string{"Public", "Restricted", "Private"}
	capCategory  = []string{"Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"}
	capResponse  = []string{"Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"}
	capUrgency   = []string{"Immediate", "Expected", "Future", "Past", "Unknown"}
	capSeverity  = []string{"Extreme", "Severe", "Moderate", "Minor", "Unknown"}
	capCertainty = []string{"Observed", "Likely", "Possible", "Unlikely", "Unknown"}
)

// capOrder is the order of the children of alert, info, area and resource
// in the schema's sequences; an element out of order or unknown is refused.
var capOrder = map[string][]string{
	"alert": {"identifier", "sender", "sent", "status", "msgType", "source", "scope", "restriction", "addresses", "code", "note",
		"references", "incidents", "info"},
	"info": {"language", "category", "event", "responseType", "urgency", "severity", "certainty", "audience", "eventCode", "effective",
		"onset", "expires", "senderName", "headline", "description", "instruction", "web", "contact", "parameter", "resource", "area"},
	"area":      {"areaDesc", "polygon", "circle", "geocode", "altitude", "ceiling"},
	"resource":  {"resourceDesc", "mimeType", "size", "uri", "derefUri", "digest"},
	"eventCode": {"valueName", "value"},
	"parameter": {"valueName", "value"},
	"geocode":   {"valueName", "value"},
}

// repeatable are the elements that may occur more than once.
var repeatable = map[string]bool{"code": true, "info": true, "category": true, "responseType": true, "eventCode": true,
	"parameter": true, "resource": true, "area": true, "polygon": true, "circle": true, "geocode": true}

// capError is a CAP document refused, naming where.
func capError(path, zh, en string) error {
	return &precinct.Error{Code: precinct.EINVALID, Field: path,
		Message: "CAP 1.2 文档不符合规范：" + path + " " + zh, MessageEN: "The CAP 1.2 document is not valid: " + path + " " + en}
}

// maxCAP bounds a CAP document.
const maxCAP = 1 << 20

// ParseCAP reads one CAP 1.2 alert and checks it against the schema's
// structure (namespace, element order, required elements, enumerations,
// date-times) and the rules of the standard's text (identifier and sender
// without spaces, commas or '<', '&'). Any problem is EINVALID naming the
// element.
func ParseCAP(r io.Reader) (*CAPAlert, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxCAP+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxCAP {
		return nil, capError("alert", "超过 1 MiB", "is larger than 1 MiB")
	}
	if err := checkCAPStructure(raw); err != nil {
		return nil, err
	}
	var a CAPAlert
	dec := xml.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&a); err != nil {
		return nil, capError("alert", "无法解析："+err.Error(), "does not parse: "+err.Error())
	}
	if err := checkCAP(&a); err != nil {
		return nil, err
	}
	return &a, nil
}

// checkCAPStructure walks the document: one root alert in the CAP 1.2
// namespace; in each complex element, only the schema's children, in its
// order, each at most once unless repeatable; simple elements hold text.
func checkCAPStructure(raw []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(raw))
	type frame struct {
		name string
		pos  int
		seen map[string]bool
	}
	var stack []*frame
	roots := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return capError("alert", "不是格式正确的 XML："+err.Error(), "is not well-formed XML: "+err.Error())
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if tk.Name.Space != CAPNamespace {
				return capError(tk.Name.Local, "不在 CAP 1.2 命名空间（"+CAPNamespace+"）内", "is not in the CAP 1.2 namespace ("+CAPNamespace+")")
			}
			name := tk.Name.Local
			if len(stack) == 0 {
				roots++
				if name != "alert" || roots > 1 {
					return capError(name, "根元素应为唯一的 alert", "must be the one root element alert")
				}
				stack = append(stack, &frame{name: name, seen: map[string]bool{}})
				continue
			}
			parent := stack[len(stack)-1]
			order, complex := capOrder[parent.name]
			if !complex {
				return capError(parent.name+"/"+name, "简单元素不能包含子元素", "is inside a simple element")
			}
			i := slices.Index(order, name)
			if i < 0 {
				return capError(parent.name+"/"+name, "不是 CAP 1.2 定义的元素", "is not an element of CAP 1.2")
			}
			if i < parent.pos || parent.seen[name] && !repeatable[name] {
				return capError(parent.name+"/"+name, "顺序错误或重复出现", "is out of order or repeated")
			}
			parent.pos, parent.seen[name] = i, true
			stack = append(stack, &frame{name: name, seen: map[string]bool{}})
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				if _, complex := capOrder[stack[len(stack)-1].name]; complex && len(bytes.TrimSpace(tk)) > 0 {
					return capError(stack[len(stack)-1].name, "不能直接包含文本", "holds text outside its elements")
				}
			}
		}
	}
	if roots == 0 {
		return capError("alert", "缺少根元素 alert", "has no root element alert")
	}
	return nil
}

// capTime parses a CAP date-time: the schema's xs:dateTime restricted to
// an explicit offset, no fractions ("2026-03-02T09:15:00+08:00").
func capTime(path, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse("2006-01-02T15:04:05-07:00", s)
	if err != nil {
		return time.Time{}, capError(path, "应为带时区的时间，如 2026-03-02T09:15:00+08:00", "must be a date-time with its offset, e.g. 2026-03-02T09:15:00+08:00")
	}
	return t, nil
}

func oneOf(path, v string, allowed []string) error {
	if !slices.Contains(allowed, strings.TrimSpace(v)) {
		return capError(path, fmt.Sprintf("取值 %q 不在允许范围（%s）", v, strings.Join(allowed, "、")),
			fmt.Sprintf("has the value %q, not one of %s", v, strings.Join(allowed, ", ")))
	}
	return nil
}

func required(path, v string) error {
	if strings.TrimSpace(v) == "" {
		return capError(path, "为必填元素", "is required")
	}
	return nil
}

// checkCAP checks the required elements, the enumerations and the values'
// forms.
func checkCAP(a *CAPAlert) error {
	for _, f := range []struct{ p, v string }{{"alert/identifier", a.Identifier}, {"alert/sender", a.Sender}, {"alert/sent", a.Sent},
		{"alert/status", a.Status}, {"alert/msgType", a.MsgType}, {"alert/scope", a.Scope}} {
		if err := required(f.p, f.v); err != nil {
			return err
		}
	}
	for _, f := range []struct{ p, v string }{{"alert/identifier", a.Identifier}, {"alert/sender", a.Sender}} {
		if strings.ContainsAny(f.v, " \t\r\n,<&") {
			return capError(f.p, "不能包含空格、逗号、< 或 &", "must not hold spaces, commas, < or &")
		}
	}
	if _, err := capTime("alert/sent", a.Sent); err != nil {
		return err
	}
	if err := oneOf("alert/status", a.Status, capStatus); err != nil {
		return err
	}
	if err := oneOf("alert/msgType", a.MsgType, capMsgType); err != nil {
		return err
	}
	if err := oneOf("alert/scope", a.Scope, capScope); err != nil {
		return err
	}
	if a.Scope == "Restricted" && strings.TrimSpace(a.Restriction) == "" {
		return capError("alert/restriction", "scope 为 Restricted 时必填", "is required when the scope is Restricted")
	}
	if a.Scope == "Private" && strings.TrimSpace(a.Addresses) == "" {
		return capError("alert/addresses", "scope 为 Private 时必填", "is required when the scope is Private")
	}
	for i, in := range a.Info {
		p := fmt.Sprintf("alert/info[%d]", i+1)
		if len(in.Category) == 0 {
			return capError(p+"/category", "为必填元素", "is required")
		}
		for _, c := range in.Category {
			if err := oneOf(p+"/category", c, capCategory); err != nil {
				return err
			}
		}
		for _, r := range in.ResponseType {
			if err := oneOf(p+"/responseType", r, capResponse); err != nil {
				return err
			}
		}
		if err := required(p+"/event", in.Event); err != nil {
			return err
		}
		for _, f := range []struct {
			n, v    string
			allowed []string
		}{{"urgency", in.Urgency, capUrgency}, {"severity", in.Severity, capSeverity}, {"certainty", in.Certainty, capCertainty}} {
			if err := required(p+"/"+f.n, f.v); err != nil {
				return err
			}
			if err := oneOf(p+"/"+f.n, f.v, f.allowed); err != nil {
				return err
			}
		}
		for _, f := range []struct{ n, v string }{{"effective", in.Effective}, {"onset", in.Onset}, {"expires", in.Expires}} {
			if f.v != "" {
				if _, err := capTime(p+"/"+f.n, f.v); err != nil {
					return err
				}
			}
		}
		for j, v := range append(slices.Clone(in.EventCode), in.Parameter...) {
			if strings.TrimSpace(v.ValueName) == "" {
				return capError(fmt.Sprintf("%s/parameter[%d]/valueName", p, j+1), "为必填元素", "is required")
			}
		}
		for j, r := range in.Resource {
			rp := fmt.Sprintf("%s/resource[%d]", p, j+1)
			if err := required(rp+"/resourceDesc", r.ResourceDesc); err != nil {
				return err
			}
			if err := required(rp+"/mimeType", r.MimeType); err != nil {
				return err
			}
		}
		for j, ar := range in.Area {
			ap := fmt.Sprintf("%s/area[%d]", p, j+1)
			if err := required(ap+"/areaDesc", ar.AreaDesc); err != nil {
				return err
			}
			for _, c := range ar.Circle {
				if _, _, err := parseCircle(ap+"/circle", c); err != nil {
					return err
				}
			}
			for _, pg := range ar.Polygon {
				if n := len(strings.Fields(pg)); n < 4 {
					return capError(ap+"/polygon", "至少需要 4 个点（首尾相同）", "needs at least 4 points, the first repeated last")
				}
			}
		}
	}
	return nil
}

// parseCircle reads a CAP circle "lat,lon radius" (WGS 84, radius in km).
func parseCircle(path, s string) (precinct.Point, float64, error) {
	bad := func() (precinct.Point, float64, error) {
		return precinct.Point{}, 0, capError(path, "应为“纬度,经度 半径（千米）”", "must be \"lat,lon radius\" (km)")
	}
	f := strings.Fields(s)
	if len(f) != 2 {
		return bad()
	}
	ll := strings.Split(f[0], ",")
	if len(ll) != 2 {
		return bad()
	}
	lat, err1 := strconv.ParseFloat(ll[0], 64)
	lon, err2 := strconv.ParseFloat(ll[1], 64)
	r, err3 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil || err3 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 || r < 0 {
		return bad()
	}
	return precinct.Point{Lon: lon, Lat: lat}, r, nil
}

// Parameters of a warning carried in info/parameter.
const (
	ParamName      = "name"
	ParamIDNumber  = "id_number"
	ParamPhone     = "phone"
	ParamFraudType = "fraud_type"
	ParamLevel     = "level"
	ParamAmount    = "amount"
	ParamAddress   = "address"
)

// levelOfUrgency maps CAP urgency to a warning level when no level
// parameter says it.
var levelOfUrgency = map[string]precinct.WarningLevel{"Immediate": precinct.LevelTransferring, "Expected": precinct.LevelHigh}

// WarningOfCAP turns a checked CAP alert into a warning: the alert's
// identifier is its source reference, sent its time; the first info block
// names the person and fraud in its parameters (name, id_number, phone,
// fraud_type, level, amount, address), and its first area the place
// (areaDesc as the address, a circle's centre as the point). An alert that
// is not an actual alert, or names no person, is EINVALID.
func WarningOfCAP(a *CAPAlert) (WarningInput, error) {
	var in WarningInput
	if a.Status != "Actual" || a.MsgType != "Alert" {
		return in, capError("alert/status", "只接收 status 为 Actual、msgType 为 Alert 的预警", "must be an Actual Alert (status Actual, msgType Alert)")
	}
	if len(a.Info) == 0 {
		return in, capError("alert/info", "缺少预警内容（info）", "has no info block")
	}
	sent, _ := capTime("alert/sent", a.Sent)
	info := a.Info[0]
	in.Ref, in.IssuedAt, in.Note = a.Identifier, &sent, strings.TrimSpace(info.Headline)
	in.FraudType = strings.TrimSpace(info.Event)
	in.Level = levelOfUrgency[info.Urgency]
	for _, ec := range info.EventCode {
		if ec.ValueName == ParamFraudType {
			in.FraudType = strings.TrimSpace(ec.Value)
		}
	}
	for _, p := range info.Parameter {
		v := strings.TrimSpace(p.Value)
		switch p.ValueName {
		case ParamName:
			in.Name = v
		case ParamIDNumber:
			in.IDNumber = v
		case ParamPhone:
			in.Phone = v
		case ParamFraudType:
			in.FraudType = v
		case ParamLevel:
			in.Level = precinct.WarningLevel(v)
		case ParamAddress:
			in.Address = v
		case ParamAmount:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return in, capError("alert/info/parameter[amount]", "应为数字（元）", "must be a number (yuan)")
			}
			in.Amount = f
		}
	}
	if len(info.Area) > 0 {
		ar := info.Area[0]
		if in.Address == "" {
			in.Address = strings.TrimSpace(ar.AreaDesc)
		}
		if len(ar.Circle) > 0 {
			p, _, _ := parseCircle("area/circle", ar.Circle[0])
			in.Point = &p
		}
	}
	if in.Level == "" {
		in.Level = precinct.LevelRoutine
	}
	return in, nil
}

// NoticeCAP writes a warning notice as a CAP 1.2 alert: Security, for the
// public of the area, with the notice's text.
func NoticeCAP(id, sender string, sent time.Time, headline, description, instruction, areaDesc string, circle *precinct.Point, radiusKM float64) ([]byte, error) {
	a := CAPAlert{Identifier: id, Sender: sender, Sent: sent.In(precinct.CST).Format("2006-01-02T15:04:05-07:00"),
		Status: "Actual", MsgType: "Alert", Scope: "Public",
		Info: []CAPInfo{{Language: "zh-CN", Category: []string{"Security"}, Event: "反诈预警", ResponseType: []string{"Avoid"},
			Urgency: "Expected", Severity: "Moderate", Certainty: "Likely", SenderName: "公安机关反诈中心",
			Headline: headline, Description: description, Instruction: instruction,
			Area: []CAPArea{{AreaDesc: areaDesc}}}}}
	if circle != nil {
		a.Info[0].Area[0].Circle = []string{fmt.Sprintf("%.6f,%.6f %.3f", circle.Lat, circle.Lon, radiusKM)}
	}
	b, err := xml.MarshalIndent(a, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), b...), nil
}
