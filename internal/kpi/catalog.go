// Package kpi computes the indicators of the KPI dictionary (design.md §3):
// one definition per indicator, written once in portable SQL for PostgreSQL
// and SQLite, evaluated for many regions and many dates in a fixed number of
// statements, and rolled up the region tree so that a region's value always
// covers its descendants.
package kpi

import (
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
)

// Key names an indicator.
type Key = schematype.IndicatorKey

// Unit is how a value reads: a fraction 0..1, per 1,000 residents, or a count.
type Unit string

// Units.
const (
	Ratio   Unit = "RATIO"
	Per1000 Unit = "PER_1000"
	Count   Unit = "COUNT"
)

// Basis says whether an indicator is a stock (as of a day) or a flow over a
// half-open period [from, to).
type Basis int

// Bases.
const (
	Stock Basis = iota
	Period
)

// Dimension is what a breakdown groups by.
type Dimension string

// Dimensions.
const (
	ChildRegion     Dimension = "CHILD_REGION"
	InstitutionForm Dimension = "INSTITUTION_FORM"
	Ownership       Dimension = "OWNERSHIP"
	LegalNature     Dimension = "LEGAL_NATURE"
	AgeBand         Dimension = "AGE_BAND"
)

// Dimensions lists every dimension.
var Dimensions = []Dimension{ChildRegion, InstitutionForm, Ownership, LegalNature, AgeBand}

// Indicator is one entry of the catalogue. The texts are the definition the
// numbers implement; changing a definition means changing them here, visibly.
type Indicator struct {
	Key         Key
	NameZh      string
	NameEn      string
	Unit        Unit
	Basis       Basis
	Numerator   string
	Denominator string
	TimeBasis   string
	Source      string
	// Dimensions a breakdown may use; any other is BAD_USER_INPUT.
	Dimensions []Dimension
	// ChildBased marks indicators whose denominator is made of children
	// (children, or pairs of a child and a day): small-cell suppression
	// applies to them, on the number of distinct children behind the value
	// (Result.Children), never on a count of pairs.
	ChildBased bool
}

// Sources of the seed targets, named in descriptions.
const (
	srcNational = "国办发〔2019〕15号; 国卫人口发〔2019〕58号; \"十四五\"公共服务规划 (4.5 per 1,000 by 2025)"
	srcLiaoning = "辽宁省开展全国婴幼儿照护服务示范城市创建活动方案"
	srcZhejiang = "浙江省普惠托育基本公共服务工作实施方案"
	srcDazu     = "大足府办发〔2024〕16号"
	srcXinzhou  = "忻州市促进3岁以下婴幼儿照护服务发展实施方案 (2020)"
	srcYongan   = "永安市关于做好3岁以下婴幼儿照护服务发展工作的实施意见"
	srcFiling   = "托育机构登记和备案办法（试行）国卫办人口发〔2019〕25号"
)

var institutionDims = []Dimension{InstitutionForm, Ownership, LegalNature}

// Catalogue is every indicator, in catalogue order.
var Catalogue = []Indicator{
	{
		Key: schematype.SeatsPer1000, NameZh: "每千人口托位数", NameEn: "Childcare seats per 1,000 residents", Unit: Per1000, Basis: Stock,
		Numerator:   "Open seats in the region on the day: the seat and its institution are both open (opened_at <= d < closed_at).",
		Denominator: "Resident population (常住人口) of the region for the latest statistical year <= the year of d; a region without its own figure sums its children's. Value = numerator / denominator × 1000.",
		TimeBasis:   "as of d", Source: srcNational + "; " + srcLiaoning,
		Dimensions: append([]Dimension{AgeBand}, institutionDims...),
	},
	{
		Key: schematype.InclusiveSeatShare, NameZh: "普惠性托位占比", NameEn: "Share of inclusive seats", Unit: Ratio, Basis: Stock,
		Numerator:   "Open seats marked inclusive at institutions holding an inclusive (普惠) designation valid on d.",
		Denominator: "Open seats in the region on d.",
		TimeBasis:   "as of d", Source: srcZhejiang + "; " + srcDazu,
		Dimensions: append([]Dimension{AgeBand}, institutionDims...),
	},
	{
		Key: schematype.SeatUsageRate, NameZh: "托位使用率", NameEn: "Seat usage rate", Unit: Ratio, Basis: Stock,
		Numerator:   "Distinct children with an active FULL_DAY or HALF_DAY enrolment (start <= d < end) at institutions in the region.",
		Denominator: "Open seats in the region on d.",
		TimeBasis:   "as of d", Source: srcDazu,
		Dimensions: institutionDims,
	},
	{
		Key: schematype.EnrolmentRate, NameZh: "入托率", NameEn: "Enrolment rate of under-3s", Unit: Ratio, Basis: Stock,
		Numerator:   "Distinct children aged under 36 months on d with any active enrolment at institutions in the region.",
		Denominator: "Under-3 population of the region for the latest statistical year <= the year of d (children's sum when the region has none).",
		TimeBasis:   "as of d", Source: srcXinzhou,
		Dimensions: append([]Dimension{ChildRegion}, institutionDims...),
		ChildBased: true,
	},
	{
		Key: schematype.SubdistrictInclusiveCoverage, NameZh: "街道普惠性托育机构覆盖率", NameEn: "Subdistricts covered by inclusive providers", Unit: Ratio, Basis: Stock,
		Numerator:   "Subdistricts in the region (the region itself included) with at least one inclusive childcare provider on d: an open institution holding a valid 普惠 designation whose form is not KINDERGARTEN, or a KINDERGARTEN with at least one open seat.",
		Denominator: "Subdistricts in the region (the region itself included).",
		TimeBasis:   "as of d", Source: srcDazu,
	},
	{
		Key: schematype.KindergartenChildcareShare, NameZh: "提供托育服务的幼儿园占比", NameEn: "Kindergartens offering childcare", Unit: Ratio, Basis: Stock,
		Numerator:   "Open kindergartens in the region with at least one open seat (托班) on d.",
		Denominator: "Open kindergartens in the region on d.",
		TimeBasis:   "as of d", Source: srcDazu,
		Dimensions: []Dimension{Ownership, LegalNature},
	},
	{
		Key: schematype.FilingRate, NameZh: "托育机构备案率", NameEn: "Filing rate", Unit: Ratio, Basis: Stock,
		Numerator:   "Childcare providers in the region that are filed on d: at least one filing whose status on d — its latest FilingEvent dated <= d (ties: the later recorded) — is RECEIPT_ISSUED or CHANGED. A later cancellation does not change earlier days.",
		Denominator: "Childcare providers in the region on d: open institutions whose form is not KINDERGARTEN, plus open kindergartens with at least one open seat.",
		TimeBasis:   "as of d", Source: srcFiling,
		Dimensions: institutionDims,
	},
	{
		Key: schematype.StaffCertificationRate, NameZh: "从业人员持证上岗率", NameEn: "Certified caregiver rate", Unit: Ratio, Basis: Stock,
		Numerator:   "Active CAREGIVER staff (hired_at <= d < left_at) in the region holding at least one CHILDCARE_WORKER, INFANT_CARER or KINDERGARTEN_TEACHER certificate valid on d (issued_at <= d < expires_at).",
		Denominator: "Active CAREGIVER staff in the region on d.",
		TimeBasis:   "as of d", Source: srcZhejiang + "; " + srcDazu,
		Dimensions: institutionDims,
	},
	{
		Key: schematype.HealthRecordRate, NameZh: "婴幼儿电子健康档案建设管理率", NameEn: "Children with an electronic health record", Unit: Ratio, Basis: Stock,
		Numerator:   "Of the denominator's children, those with an ENTRY_EXAM record dated <= d (at any institution).",
		Denominator: "Distinct children with an active enrolment (any service mode) at institutions in the region on d.",
		TimeBasis:   "as of d", Source: srcDazu,
		Dimensions: append([]Dimension{ChildRegion}, institutionDims...),
		ChildBased: true,
	},
	{
		Key: schematype.DevScreeningRate, NameZh: "发育监测筛查率", NameEn: "Developmental screening rate", Unit: Ratio, Basis: Period,
		Numerator:   "Of the denominator's (child, c) pairs, those with a DEV_SCREENING record of the child dated within 30 days of c.",
		Denominator: "(child, c) pairs where c = birth date + m months (m in 3, 6, 8, 12, 18, 24, 30, 36; month ends clamp), from <= c < to, and the child has an active enrolment at an institution in the region on c.",
		TimeBasis:   "period [from, to)", Source: srcZhejiang,
		Dimensions: append([]Dimension{ChildRegion}, institutionDims...),
		ChildBased: true,
	},
	{
		Key: schematype.DailyCheckRate, NameZh: "晨检执行率", NameEn: "Morning health check rate", Unit: Ratio, Basis: Period,
		Numerator:   "Of the denominator's (child, w) pairs, those with a DAILY_CHECK record of session MORNING for the child dated w.",
		Denominator: "(child, w) pairs: weekday (Monday–Friday) w in [from, to) on which the child has an active FULL_DAY or HALF_DAY enrolment at an institution in the region.",
		TimeBasis:   "period [from, to)", Source: "托儿所幼儿园卫生保健工作规范 卫妇社发〔2012〕35号",
		Dimensions: append([]Dimension{ChildRegion}, institutionDims...),
		ChildBased: true,
	},
	{
		Key: schematype.SatisfactionRate, NameZh: "满意度", NameEn: "Parent satisfaction", Unit: Ratio, Basis: Period,
		Numerator:   "Sum of positive answers of SATISFACTION surveys dated in the period, in the region.",
		Denominator: "Sum of respondents of the same surveys.",
		TimeBasis:   "period [from, to)", Source: srcDazu,
	},
	{
		Key: schematype.ParentingKnowledgeRate, NameZh: "科学育儿知识普及率", NameEn: "Parenting knowledge rate", Unit: Ratio, Basis: Period,
		Numerator:   "Sum of positive answers of PARENTING_KNOWLEDGE surveys dated in the period, in the region.",
		Denominator: "Sum of respondents of the same surveys.",
		TimeBasis:   "period [from, to)", Source: srcZhejiang + "; " + srcYongan,
	},
	{
		Key: schematype.GuidanceCenters, NameZh: "指导中心数", NameEn: "Guidance centres", Unit: Count, Basis: Stock,
		Numerator:   "Open GUIDANCE_CENTER institutions (托育综合服务中心) in the region on d.",
		Denominator: "None: the value is the count.",
		TimeBasis:   "as of d", Source: srcZhejiang,
		Dimensions: []Dimension{Ownership, LegalNature},
	},
	{
		Key: schematype.FilingOnTimeRate, NameZh: "备案回执按时出具率", NameEn: "Filing receipts issued on time", Unit: Ratio, Basis: Period,
		Numerator:   "Of the denominator's filings, those whose receipt_at is on or before the 5th working day after submitted_at on the official working-day calendar (holidays and 调休 make-up workdays; the submission day itself is not counted).",
		Denominator: "Filings at institutions in the region with a receipt (回执) issued in the period: from <= receipt_at < to, whatever their status now.",
		TimeBasis:   "period [from, to) of the receipt day", Source: srcFiling,
		Dimensions: institutionDims,
	},
	{
		Key: schematype.RectificationRate, NameZh: "整改按时完成率", NameEn: "Findings rectified by their deadline", Unit: Ratio, Basis: Period,
		Numerator:   "Of the denominator's findings, those rectified on or before the deadline: rectified_at <= deadline (rectified_at is the institution's report, cleared when a re-inspection rejects it; for a finding verified without a report, the verifying re-inspection's day corrected_at).",
		Denominator: "Findings of inspections of institutions in the region whose rectification deadline falls in the period: from <= deadline < to. Findings without a deadline are not counted.",
		TimeBasis:   "period [from, to) of the deadline; a period not yet over is provisional", Source: "托育机构管理规范（试行）国卫人口发〔2019〕58号; " + srcDazu,
		Dimensions: institutionDims,
	},
	{
		Key: schematype.ComplaintOnTimeRate, NameZh: "投诉按时办结率", NameEn: "Complaints closed by their deadline", Unit: Ratio, Basis: Period,
		Numerator:   "Of the denominator's complaints, those closed on or before the handling deadline: closed_at <= due_on.",
		Denominator: "Complaints about institutions in the region whose handling deadline falls in the period: from <= due_on < to (due_on defaults to 15 working days after received_at).",
		TimeBasis:   "period [from, to) of the deadline; a period not yet over is provisional", Source: srcDazu,
		Dimensions: institutionDims,
	},
}

var byKey = func() map[Key]*Indicator {
	m := make(map[Key]*Indicator, len(Catalogue))
	for i := range Catalogue {
		m[Catalogue[i].Key] = &Catalogue[i]
	}
	return m
}()

// Lookup returns the catalogue entry of key.
func Lookup(key Key) (*Indicator, bool) {
	ind, ok := byKey[key]
	return ind, ok
}

// Suppress withholds r when fewer than k distinct children are behind it
// (design: small-cell suppression for aggregate-only viewers): r.Children,
// the under-3 population for ENROLMENT_RATE, the enrolled children for
// HEALTH_RECORD_RATE and the children behind the (child, day) or
// (child, check-point) pairs for DAILY_CHECK_RATE and DEV_SCREENING_RATE.
// A child-based result whose children were not counted (a Query without
// Children) is withheld: the pairs are no stand-in. It reports whether r is
// withheld, and may be called again on a result it withheld.
func Suppress(r *Result, k int) bool {
	if r.Suppressed {
		return true
	}
	ind, ok := Lookup(r.Key)
	if !ok || !ind.ChildBased || (r.Children != nil && *r.Children >= float64(k)) {
		return false
	}
	r.Value, r.Denominator, r.Attained, r.Gap, r.Children = nil, nil, nil, nil, nil
	r.Numerator = 0
	r.Suppressed = true
	return true
}

// Allows reports whether a breakdown of ind may use dim.
func (ind *Indicator) Allows(dim Dimension) bool {
	for _, d := range ind.Dimensions {
		if d == dim {
			return true
		}
	}
	return false
}
