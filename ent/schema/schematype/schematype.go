// Package schematype holds the small value types that several ent schemas share
// and that GraphQL exposes as enums. They live apart from the schemas so that
// internal packages (kpi, demo) can use them without importing the schema.
package schematype

import (
	"fmt"
	"io"
	"strconv"
)

// ServiceMode is how an institution provides care (全日托, 半日托, 计时托, 临时托).
type ServiceMode string

// Service modes, as the national filing rules name them.
const (
	ServiceModeFullDay   ServiceMode = "FULL_DAY"
	ServiceModeHalfDay   ServiceMode = "HALF_DAY"
	ServiceModeHourly    ServiceMode = "HOURLY"
	ServiceModeTemporary ServiceMode = "TEMPORARY"
)

// Values lists the service modes; ent uses it for the enum column.
func (ServiceMode) Values() []string {
	return []string{string(ServiceModeFullDay), string(ServiceModeHalfDay), string(ServiceModeHourly), string(ServiceModeTemporary)}
}

// MarshalGQL implements graphql.Marshaler.
func (m ServiceMode) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(m))) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (m *ServiceMode) UnmarshalGQL(v any) error { return unmarshalEnum(v, m, ServiceMode.Values) }

// FilingDocument is one of the documents a filing (备案) must carry.
type FilingDocument string

// Filing documents listed by 托育机构登记和备案办法（试行）; FOOD_LICENCE applies when meals are served.
const (
	FilingDocumentBusinessLicence  FilingDocument = "BUSINESS_LICENCE"
	FilingDocumentSiteProof        FilingDocument = "SITE_PROOF"
	FilingDocumentStaffCredentials FilingDocument = "STAFF_CREDENTIALS"
	FilingDocumentHygieneReport    FilingDocument = "HYGIENE_REPORT"
	FilingDocumentFireSafety       FilingDocument = "FIRE_SAFETY"
	FilingDocumentFoodLicence      FilingDocument = "FOOD_LICENCE"
)

// Values lists the filing documents.
func (FilingDocument) Values() []string {
	return []string{
		string(FilingDocumentBusinessLicence), string(FilingDocumentSiteProof), string(FilingDocumentStaffCredentials),
		string(FilingDocumentHygieneReport), string(FilingDocumentFireSafety), string(FilingDocumentFoodLicence),
	}
}

// MarshalGQL implements graphql.Marshaler.
func (d FilingDocument) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(d))) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (d *FilingDocument) UnmarshalGQL(v any) error { return unmarshalEnum(v, d, FilingDocument.Values) }

// IndicatorKey names one indicator of the KPI dictionary (design.md §3.2).
type IndicatorKey string

// The indicator keys; the order is the catalogue order.
const (
	SeatsPer1000                 IndicatorKey = "SEATS_PER_1000"
	InclusiveSeatShare           IndicatorKey = "INCLUSIVE_SEAT_SHARE"
	SeatUsageRate                IndicatorKey = "SEAT_USAGE_RATE"
	EnrolmentRate                IndicatorKey = "ENROLMENT_RATE"
	SubdistrictInclusiveCoverage IndicatorKey = "SUBDISTRICT_INCLUSIVE_COVERAGE"
	KindergartenChildcareShare   IndicatorKey = "KINDERGARTEN_CHILDCARE_SHARE"
	FilingRate                   IndicatorKey = "FILING_RATE"
	StaffCertificationRate       IndicatorKey = "STAFF_CERTIFICATION_RATE"
	HealthRecordRate             IndicatorKey = "HEALTH_RECORD_RATE"
	DevScreeningRate             IndicatorKey = "DEV_SCREENING_RATE"
	DailyCheckRate               IndicatorKey = "DAILY_CHECK_RATE"
	SatisfactionRate             IndicatorKey = "SATISFACTION_RATE"
	ParentingKnowledgeRate       IndicatorKey = "PARENTING_KNOWLEDGE_RATE"
	GuidanceCenters              IndicatorKey = "GUIDANCE_CENTERS"
	FilingOnTimeRate             IndicatorKey = "FILING_ON_TIME_RATE"
	RectificationRate            IndicatorKey = "RECTIFICATION_RATE"
	ComplaintOnTimeRate          IndicatorKey = "COMPLAINT_ON_TIME_RATE"
)

// IndicatorKeys lists every indicator key in catalogue order.
var IndicatorKeys = []IndicatorKey{
	SeatsPer1000, InclusiveSeatShare, SeatUsageRate, EnrolmentRate, SubdistrictInclusiveCoverage,
	KindergartenChildcareShare, FilingRate, StaffCertificationRate, HealthRecordRate, DevScreeningRate,
	DailyCheckRate, SatisfactionRate, ParentingKnowledgeRate, GuidanceCenters,
	FilingOnTimeRate, RectificationRate, ComplaintOnTimeRate,
}

// Values lists the indicator keys.
func (IndicatorKey) Values() []string {
	out := make([]string, len(IndicatorKeys))
	for i, k := range IndicatorKeys {
		out[i] = string(k)
	}
	return out
}

// MarshalGQL implements graphql.Marshaler.
func (k IndicatorKey) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (k *IndicatorKey) UnmarshalGQL(v any) error { return unmarshalEnum(v, k, IndicatorKey.Values) }

// unmarshalEnum accepts v when it is one of values().
func unmarshalEnum[T ~string](v any, dst *T, values func(T) []string) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("enum value must be a string, got %T", v)
	}
	for _, allowed := range values(*dst) {
		if s == allowed {
			*dst = T(s)
			return nil
		}
	}
	return fmt.Errorf("not a valid %T value", *dst)
}
