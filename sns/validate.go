// Validation rules shared by the API's messages, with ZStack's exact texts:
// the generic @APIParam checks (ApiMessageProcessorImpl), the resource uuid
// check (PortApiValidator) and the SNS interceptor's url and phone checks
// (SNSApiInterceptor).

package sns

import (
	"net/netip"
	"net/url"
	"regexp"
	"strings"
)

// ZStack's message class names, as they appear in validation texts.
const (
	msgTestConnection = "org.zstack.sns.platform.dingtalk.APISNSDingTalkTestConnectionMsg"
	msgCreateEndpoint = "org.zstack.sns.platform.dingtalk.APICreateSNSDingTalkEndpointMsg"
	msgUpdateEndpoint = "org.zstack.sns.platform.dingtalk.APIUpdateSNSDingTalkEndpointMsg"
	msgAddAtPerson    = "org.zstack.sns.platform.dingtalk.APIAddSNSDingTalkAtPersonMsg"
	msgUpdateAtPerson = "org.zstack.sns.platform.dingtalk.APIUpdateAtPersonOfAtDingTalkEndpointMsg"
	msgRemoveAtPerson = "org.zstack.sns.platform.dingtalk.APIRemoveSNSDingTalkAtPersonMsg"
	msgDeleteEndpoint = "org.zstack.sns.APIDeleteSNSApplicationEndpointMsg"
	msgUpdateAppEP    = "org.zstack.sns.APIUpdateSNSApplicationEndpointMsg"
	msgChangeEPState  = "org.zstack.sns.APIChangeSNSApplicationEndpointStateMsg"
	msgLogin          = "org.zstack.header.identity.APILogInByAccountMsg"

	voEndpoint = "SNSDingTalkEndpointVO"
	voAtPerson = "SNSDingTalkAtPersonVO"

	resourceUUIDText = "resourceUuid[%s] is not a valid uuid. A valid uuid is a UUID(v4 recommended) with '-' stripped. " +
		"see http://en.wikipedia.org/wiki/Universally_unique_identifier for format of UUID, the regular expression ZStack uses " +
		"to validate a UUID is [0-9a-f]{8}[0-9a-f]{4}[1-5][0-9a-f]{3}[89ab][0-9a-f]{3}[0-9a-f]{12}"
)

var (
	// resourceUUID is the pattern PortApiValidator requires of a resource uuid.
	resourceUUID = regexp.MustCompile(`^[0-9a-f]{8}[0-9a-f]{4}[1-5][0-9a-f]{3}[89ab][0-9a-f]{3}[0-9a-f]{12}$`)
	// dingTalkPhone is SNSApiInterceptor's dingdingPhoneNumberFormat.
	dingTalkPhone = regexp.MustCompile(`^\+\d{2,3}-\d{11}$`)
)

// javaTrim trims as Java's String.trim does (every char <= ' '); ZStack
// trims every String @APIParam before checking it.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// trimPtr javaTrims every given string in place; nil ones are skipped.
func trimPtr(ps ...*string) {
	for _, p := range ps {
		if p != nil {
			*p = javaTrim(*p)
		}
	}
}

// assign copies an optional request field into a record: *dst = *v when v
// was given.
func assign[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// assignNonBlank is assign for the string fields ZStack's update APIs
// leave alone when they are blank.
func assignNonBlank(dst *string, v *string) {
	if !isBlank(v) {
		*dst = *v
	}
}

// javaLen is Java's String.length(): UTF-16 code units, counted without
// converting (a rune beyond the BMP takes two; an invalid byte decodes to
// U+FFFD, one, as utf16.Encode([]rune(s)) counts it).
func javaLen(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func isBlank(p *string) bool { return p == nil || javaTrim(*p) == "" }

func mandatory(msg, field string, present bool) *apiError {
	if present {
		return nil
	}
	return argErr("field[%s] of message[%s] is mandatory, can not be null", field, msg)
}

func maxLength(msg, field string, v *string, limit int) *apiError {
	if v == nil {
		return nil
	}
	if n := javaLen(*v); n > limit {
		return argErr("field[%s] of message[%s] exceeds max length of string. expected was <= %d, actual was %d", field, msg, limit, n)
	}
	return nil
}

func nonEmptyList(field string, v []string) *apiError {
	if v != nil && len(v) == 0 {
		return argErr("field[%s] must be a nonempty list", field)
	}
	return nil
}

// resourceUUIDParam is PortApiValidator's check of the optional
// resourceUuid a create API may carry: "" when absent or empty, else it
// must be a valid resource uuid (SYS.1007).
func resourceUUIDParam(p *string) (string, *apiError) {
	if p == nil || *p == "" {
		return "", nil
	}
	if !resourceUUID.MatchString(*p) {
		return "", argErr(resourceUUIDText, *p)
	}
	return *p, nil
}

// checkUUIDFormat is PortApiValidator's format check of a resourceType
// field: SYS.1003 "invalid value[%s] of field[%s]".
func checkUUIDFormat(field, value string) *apiError {
	if !resourceUUID.MatchString(value) {
		return notFoundErr("invalid value[%s] of field[%s]", value, field)
	}
	return nil
}

// resourceNotFound is PortApiValidator's text for a uuid with no record.
func resourceNotFound(field, msgClass, uuid, vo string) *apiError {
	short := msgClass[strings.LastIndex(msgClass, ".")+1:]
	return notFoundErr("invalid field[%s] for %s, resource[uuid:%s, type:%s] not found", field, short, uuid, vo)
}

// validateURL is SNSApiInterceptor.validateURL, with Go's parser: the url
// must parse as an absolute http or https URL with a host ("invalid
// url[%s]"), and a host that ends in ".digits" must be a real IP address
// ("[%s] is not a legal ip").
func validateURL(raw string) *apiError {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return argErr("invalid url[%s]", raw)
	}
	if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
		return argErr("invalid url[%s]", raw)
	}
	host := u.Hostname()
	if host == "" {
		return argErr("invalid url[%s]", raw)
	}
	if ipLike(host) && !isIP(host) {
		return argErr("[%s] is not a legal ip", host)
	}
	return nil
}

// ipLike is SNSApiInterceptor's ipFormat, `^.*?\.[0-9]+$`, as Go's
// regexp reads it: a host ending in "." and digits, with no newline before
// them. Written out, as the regexp took about 1 µs of each test-connection;
// FuzzIPLike compares the two.
func ipLike(host string) bool {
	i := len(host)
	for i > 0 && '0' <= host[i-1] && host[i-1] <= '9' {
		i--
	}
	return i < len(host) && i > 0 && host[i-1] == '.' && !strings.Contains(host[:i-1], "\n")
}

// isIP reports whether net.ParseIP accepts host: an address without a
// zone, which is how net.ParseIP itself uses netip, minus its allocation.
func isIP(host string) bool {
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == ""
}

func checkDingTalkPhone(n string) *apiError {
	if !dingTalkPhone.MatchString(n) {
		return argErr("invalid phone number[%s], the DingDing phone number is like +86-12388889999", n)
	}
	return nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...*apiError) *apiError {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
