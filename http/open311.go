package http

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"precinct"
	"precinct/gridloop"
)

// open311Routes serve Open311 GeoReport v2 (JSON and XML, the format given
// by the resource's extension) for outside systems and citizens' apps. They
// take no bearer token: each call carries its api_key (a query parameter,
// or a form field when posting), checked by the service.
func (s *Server) open311Routes() []route {
	return []route{
		{"GET /open311/v2/services.json", true, s.handle311Services},
		{"GET /open311/v2/services.xml", true, s.handle311Services},
		{"POST /open311/v2/requests.json", true, s.handle311Post},
		{"POST /open311/v2/requests.xml", true, s.handle311Post},
		{"GET /open311/v2/requests.json", true, s.handle311Requests},
		{"GET /open311/v2/requests.xml", true, s.handle311Requests},
		{"GET /open311/v2/requests/{id}", true, s.handle311Request},
	}
}

// format311 is the format the path asks for.
func format311(path string) string {
	if strings.HasSuffix(path, ".xml") {
		return "xml"
	}
	return "json"
}

// error311 is one error of the GeoReport error list.
type error311 struct {
	XMLName     xml.Name `json:"-" xml:"error"`
	Code        int      `json:"code" xml:"code"`
	Description string   `json:"description" xml:"description"`
}

// write311 writes v as the format asks; for XML, v is wrapped in the root
// and item elements the spec names.
func write311(w http.ResponseWriter, format string, status int, root, item string, items any) {
	if format == "json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(items)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	_ = enc.EncodeToken(xml.StartElement{Name: xml.Name{Local: root}})
	_ = enc.EncodeElement(items, xml.StartElement{Name: xml.Name{Local: item}})
	_ = enc.EncodeToken(xml.EndElement{Name: xml.Name{Local: root}})
	_ = enc.Flush()
}

// fail311 writes err as the spec's error list: 403 for the key, 404 for
// what does not exist, 400 for the rest (500 for our faults).
func (s *Server) fail311(w http.ResponseWriter, r *http.Request, format string, err error) error {
	status := http.StatusBadRequest
	switch precinct.ErrorCode(err) {
	case precinct.EFORBIDDEN, precinct.EUNAUTHORIZED:
		status = http.StatusForbidden
	case precinct.ENOTFOUND:
		status = http.StatusNotFound
	case precinct.ETOOMANY:
		status = http.StatusTooManyRequests
	case precinct.EINTERNAL:
		status = http.StatusInternalServerError
		s.Logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	zh, en := precinct.ErrorMessage(err)
	errs := []error311{{Code: status, Description: zh + " / " + en}}
	if format == "json" {
		write311(w, format, status, "errors", "error", errs)
		return nil
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, xml.Header)
	b, _ := xml.Marshal(struct {
		XMLName xml.Name   `xml:"errors"`
		Errors  []error311 `xml:"error"`
	}{Errors: errs})
	_, _ = w.Write(b)
	return nil
}

func (s *Server) handle311Services(w http.ResponseWriter, r *http.Request) error {
	format := format311(r.URL.Path)
	q := r.URL.Query()
	out, err := s.GridLoop.Services311(r.Context(), q.Get("api_key"), q.Get("jurisdiction_id"))
	if err != nil {
		return s.fail311(w, r, format, err)
	}
	write311(w, format, http.StatusOK, "services", "service", out)
	return nil
}

// maxForm bounds a posted service request.
const maxForm = 64 << 10

func (s *Server) handle311Post(w http.ResponseWriter, r *http.Request) error {
	format := format311(r.URL.Path)
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return s.fail311(w, r, format, precinct.Errorf(precinct.EINVALID, "请求体须为 application/x-www-form-urlencoded", "The body must be application/x-www-form-urlencoded."))
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return s.fail311(w, r, format, precinct.Errorf(precinct.EINVALID, "无法解析表单（不超过 64 KiB）", "Cannot read the form (at most 64 KiB)."))
	}
	f := r.PostForm
	num := func(name string) (*float64, error) {
		v := f.Get(name)
		if v == "" {
			return nil, nil
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, precinct.FieldErrorf(precinct.EINVALID, name, "%s 应为数字", "%s must be a number.", name)
		}
		return &x, nil
	}
	lat, err := num("lat")
	if err != nil {
		return s.fail311(w, r, format, err)
	}
	long, err := num("long")
	if err != nil {
		return s.fail311(w, r, format, err)
	}
	req := gridloop.Request311{JurisdictionID: f.Get("jurisdiction_id"), ServiceCode: f.Get("service_code"), Lat: lat, Long: long,
		AddressString: f.Get("address_string"), AddressID: f.Get("address_id"), Email: f.Get("email"), DeviceID: f.Get("device_id"),
		AccountID: f.Get("account_id"), FirstName: f.Get("first_name"), LastName: f.Get("last_name"), Phone: f.Get("phone"),
		Description: f.Get("description"), MediaURL: f.Get("media_url")}
	key := f.Get("api_key")
	if key == "" {
		key = r.URL.Query().Get("api_key")
	}
	out, err := s.GridLoop.Post311(r.Context(), key, req)
	if err != nil {
		return s.fail311(w, r, format, err)
	}
	write311(w, format, http.StatusCreated, "service_requests", "request", []*gridloop.Receipt311{out})
	return nil
}

func (s *Server) handle311Requests(w http.ResponseWriter, r *http.Request) error {
	format := format311(r.URL.Path)
	q := r.URL.Query()
	list := func(name string) []string {
		if v := q.Get(name); v != "" {
			return strings.Split(v, ",")
		}
		return nil
	}
	date := func(name string) (time.Time, error) {
		v := q.Get(name)
		if v == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return t, precinct.FieldErrorf(precinct.EINVALID, name, "%s 须为 W3C 时间格式，如 2010-01-01T00:00:00Z", "%s must be a W3C datetime, e.g. 2010-01-01T00:00:00Z.", name)
		}
		return t, nil
	}
	start, err := date("start_date")
	if err != nil {
		return s.fail311(w, r, format, err)
	}
	end, err := date("end_date")
	if err != nil {
		return s.fail311(w, r, format, err)
	}
	out, err := s.GridLoop.Requests311(r.Context(), q.Get("api_key"), gridloop.Query311{JurisdictionID: q.Get("jurisdiction_id"),
		ServiceRequestIDs: list("service_request_id"), ServiceCodes: list("service_code"), StartDate: start, EndDate: end, Status: list("status")})
	if err != nil {
		return s.fail311(w, r, format, err)
	}
	write311(w, format, http.StatusOK, "service_requests", "request", out)
	return nil
}

func (s *Server) handle311Request(w http.ResponseWriter, r *http.Request) error {
	file := r.PathValue("id")
	format := format311(file)
	id, ok := strings.CutSuffix(file, "."+format)
	if !ok {
		return s.fail311(w, r, "json", precinct.ErrNotFound("服务请求", "Service request", file))
	}
	q := r.URL.Query()
	v, err := s.GridLoop.Request311(r.Context(), q.Get("api_key"), q.Get("jurisdiction_id"), id)
	if err != nil {
		return s.fail311(w, r, format, err)
	}
	write311(w, format, http.StatusOK, "service_requests", "request", []*gridloop.View311{v})
	return nil
}
