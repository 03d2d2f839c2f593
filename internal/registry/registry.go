// Package registry lists the entities that can be imported and exported as
// files (CSV, XLSX): their columns, Chinese template headers and natural
// keys. Import (internal/ingest), templates and export all read this one
// table, so a file exported with these columns imports again unchanged.
//
// Files never carry internal IDs: rows name each other by natural keys
// (region code, credit code, identity-document number, certificate number,
// dates), and the key of an entity decides whether an imported row creates a
// record or updates the one already stored (upsert).
package registry

import (
	"strings"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
)

// Kind is how a cell is parsed.
type Kind int

// The cell kinds.
const (
	Text     Kind = iota // any text, trimmed
	Int                  // whole number
	Decimal              // decimal number, '.' as separator
	Date                 // YYYY-MM-DD (also YYYY/MM/DD and Excel date cells)
	Bool                 // 是/否, true/false, 1/0, Y/N
	Enum                 // one of Column.Enum (GraphQL enum value)
	DateTime             // YYYY-MM-DD HH:MM[:SS] in the server's time zone, or RFC 3339
)

// String names the kind in templates and messages.
func (k Kind) String() string {
	switch k {
	case Int:
		return "整数 integer"
	case Decimal:
		return "数值 number"
	case Date:
		return "日期 date YYYY-MM-DD"
	case Bool:
		return "是/否 yes/no"
	case Enum:
		return "枚举 one of the listed values"
	case DateTime:
		return "时间 YYYY-MM-DD HH:MM"
	}
	return "文本 text"
}

// Column is one column of an entity's files.
type Column struct {
	Field    string   // GraphQL-style field name ("creditCode"); also accepted as a header
	Header   string   // Chinese header used in templates ("统一社会信用代码")
	Kind     Kind     // how the cell is parsed
	Enum     []string // allowed values when Kind == Enum (GraphQL enum values)
	Required bool     // a row without it is BAD_USER_INPUT
	Key      bool     // part of the entity's natural key
	Example  string   // value of the template's example row
	Doc      string   // one-line instruction shown in the template's instructions sheet
	// List: the cell holds several Enum values separated by commas (、，, ; or |).
	List bool
	// Personal: the column holds personal data (an identity-document number,
	// a name, a phone number); exports mask or omit it by role.
	Personal bool
}

// Entity is one importable/exportable entity.
type Entity struct {
	Name     string // --entity value and /templates/{Name}.xlsx; one of the 18 names
	Type     string // ent type name, e.g. "Child"
	Title    string // Chinese title, e.g. "儿童"
	Key      string // the natural key explained in words (for README and templates)
	Personal bool   // holds children's personal data (import/export audited)
	Columns  []Column
}

// Column returns the column named field (GraphQL field name).
func (e Entity) Column(field string) (Column, bool) {
	for _, c := range e.Columns {
		if c.Field == field {
			return c, true
		}
	}
	return Column{}, false
}

// KeyFields lists the fields of the natural key in column order.
func (e Entity) KeyFields() []string {
	var out []string
	for _, c := range e.Columns {
		if c.Key {
			out = append(out, c.Field)
		}
	}
	return out
}

// All returns every entity in dependency order: an entity comes after every
// entity its rows refer to, so importing files in this order always works.
func All() []Entity {
	out := make([]Entity, len(entities))
	copy(out, entities)
	return out
}

// Lookup returns the entity called name (case-insensitive; "-" is read as "_").
func Lookup(name string) (Entity, bool) {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	for _, e := range entities {
		if e.Name == n {
			return e, true
		}
	}
	return Entity{}, false
}

// Names lists the entity names in All order.
func Names() []string {
	out := make([]string, len(entities))
	for i, e := range entities {
		out[i] = e.Name
	}
	return out
}

var (
	serviceModes = []string{"FULL_DAY", "HALF_DAY", "HOURLY", "TEMPORARY"}
	idDocTypes   = []string{"RESIDENT_ID", "HK_MACAO_PERMIT", "TAIWAN_PERMIT", "PASSPORT", "OTHER"}
)

func indicatorKeys() []string { return schematype.IndicatorKey("").Values() }

// withExample is c with another template example value.
func withExample(c Column, example string) Column {
	c.Example = example
	return c
}

// Reusable reference columns.
func regionRef(field, header, doc string, required, key bool) Column {
	return Column{Field: field, Header: header, Kind: Text, Required: required, Key: key, Example: "210102", Doc: doc}
}

func institutionRef(key bool) Column {
	return Column{Field: "institutionCreditCode", Header: "机构统一社会信用代码", Kind: Text, Required: true, Key: key,
		Example: "91210102MA0XXXXXX0", Doc: "统一社会信用代码 of the institution (18 characters); the institution must exist (import institutions first)."}
}

func childRefs() []Column {
	return []Column{
		{Field: "childIdDocumentType", Header: "儿童证件类型", Kind: Enum, Enum: idDocTypes, Key: true, Example: "RESIDENT_ID",
			Doc: "Type of the child's identity document; empty = RESIDENT_ID 居民身份证."},
		{Field: "childIdNumber", Header: "儿童证件号码", Kind: Text, Key: true, Personal: true, Example: "210102202305200023",
			Doc: "The child's identity-document number; the child must be registered (import children first). Never stored in clear. Empty only for a child without a document: then give childName and childBirthDate."},
		{Field: "childName", Header: "儿童姓名", Kind: Text, Personal: true, Example: "",
			Doc: "Only for a child registered without an identity document (childIdNumber empty): the child's name, with childBirthDate."},
		{Field: "childBirthDate", Header: "儿童出生日期", Kind: Date, Personal: true, Example: "",
			Doc: "Only for a child registered without an identity document: the child's date of birth, with childName."},
	}
}

var entities = []Entity{
	{
		Name: "regions", Type: "Region", Title: "行政区划",
		Key: "code (GB/T 2260 区划代码)",
		Columns: []Column{
			{Field: "code", Header: "区划代码", Kind: Text, Required: true, Key: true, Example: "210102", Doc: "GB/T 2260 code: 6 digits down to district level, 9 or 12 digits for a subdistrict."},
			{Field: "name", Header: "名称", Kind: Text, Required: true, Example: "和平区", Doc: "Official name."},
			{Field: "level", Header: "级别", Kind: Enum, Enum: []string{"PROVINCE", "CITY", "DISTRICT", "SUBDISTRICT"}, Required: true, Example: "DISTRICT", Doc: "PROVINCE 省, CITY 市, DISTRICT 区/县, SUBDISTRICT 街道/乡镇."},
			withExample(regionRef("parentCode", "上级区划代码", "Code of the enclosing region (empty for a province); it must exist or come earlier in the same file.", false, false), "210100"),
		},
	},
	{
		Name: "population_stats", Type: "PopulationStat", Title: "人口统计",
		Key: "regionCode + year",
		Columns: []Column{
			regionRef("regionCode", "区划代码", "Code of the region the figures describe.", true, true),
			{Field: "year", Header: "年份", Kind: Int, Required: true, Key: true, Example: "2024", Doc: "Statistical year (figures as of year end)."},
			{Field: "residentPopulation", Header: "常住人口", Kind: Int, Required: true, Example: "640000", Doc: "Resident population."},
			{Field: "under3Population", Header: "3岁以下人口", Kind: Int, Required: true, Example: "15000", Doc: "Resident children aged under 3."},
			{Field: "births", Header: "出生人口", Kind: Int, Example: "4200", Doc: "Live births in the year, when known."},
			{Field: "source", Header: "数据来源", Kind: Text, Example: "统计年鉴 2024", Doc: "Where the figures come from."},
		},
	},
	{
		Name: "institutions", Type: "Institution", Title: "托育机构",
		Key: "creditCode (统一社会信用代码)",
		Columns: []Column{
			{Field: "creditCode", Header: "统一社会信用代码", Kind: Text, Required: true, Key: true, Example: "91210102MA0XXXXXX0", Doc: "GB 32100 credit code, 18 characters with a valid check character."},
			{Field: "name", Header: "机构名称", Kind: Text, Required: true, Example: "和平区阳光托育中心", Doc: "Registered name."},
			{Field: "form", Header: "机构类型", Kind: Enum, Enum: []string{"CENTER", "KINDERGARTEN", "EMPLOYER", "COMMUNITY", "HOME", "GUIDANCE_CENTER"}, Required: true, Example: "CENTER", Doc: "CENTER 托育机构, KINDERGARTEN 幼儿园(托班), EMPLOYER 用人单位办托, COMMUNITY 社区托育点, HOME 家庭托育点, GUIDANCE_CENTER 托育综合服务中心."},
			{Field: "legalNature", Header: "法人性质", Kind: Enum, Enum: []string{"PUBLIC_UNIT", "NONPROFIT", "FOR_PROFIT"}, Required: true, Example: "FOR_PROFIT", Doc: "PUBLIC_UNIT 事业单位, NONPROFIT 社会服务机构, FOR_PROFIT 营利性."},
			{Field: "ownership", Header: "举办性质", Kind: Enum, Enum: []string{"PUBLIC", "PRIVATE", "PUBLIC_PRIVATE", "PRIVATE_SUBSIDISED"}, Required: true, Example: "PRIVATE", Doc: "PUBLIC 公办, PRIVATE 民办, PUBLIC_PRIVATE 公建民营, PRIVATE_SUBSIDISED 民办公助."},
			{Field: "serviceModes", Header: "服务形式", Kind: Enum, Enum: serviceModes, List: true, Required: true, Example: "FULL_DAY,HOURLY", Doc: "One or more of FULL_DAY 全日托, HALF_DAY 半日托, HOURLY 计时托, TEMPORARY 临时托, separated by commas."},
			regionRef("regionCode", "所在区划代码", "Code of the institution's lowest known region, normally a subdistrict.", true, false),
			{Field: "address", Header: "地址", Kind: Text, Example: "沈阳市和平区南京北街1号", Doc: "Street address."},
			{Field: "latitude", Header: "纬度", Kind: Decimal, Example: "41.7968", Doc: "WGS-84 latitude in degrees."},
			{Field: "longitude", Header: "经度", Kind: Decimal, Example: "123.4290", Doc: "WGS-84 longitude in degrees."},
			{Field: "status", Header: "运营状态", Kind: Enum, Enum: []string{"PREPARING", "OPERATING", "SUSPENDED", "CLOSED"}, Example: "OPERATING", Doc: "PREPARING 筹建, OPERATING 运营 (default), SUSPENDED 停业, CLOSED 关闭."},
			{Field: "openedAt", Header: "开业日期", Kind: Date, Required: true, Example: "2022-09-01", Doc: "Day the institution opened for service."},
			{Field: "closedAt", Header: "关闭日期", Kind: Date, Example: "", Doc: "Day it closed (closed on and after this day); empty while open."},
		},
	},
	{
		Name: "filings", Type: "Filing", Title: "备案",
		Key: "institutionCreditCode + submittedAt",
		Columns: []Column{
			institutionRef(true),
			{Field: "submittedAt", Header: "提交日期", Kind: Date, Required: true, Key: true, Example: "2023-03-01", Doc: "Day the filing was submitted."},
			{Field: "status", Header: "备案状态", Kind: Enum, Enum: []string{"SUBMITTED", "FILED", "NONCOMPLIANT", "CHANGED", "CANCELLED"}, Required: true, Example: "FILED", Doc: "SUBMITTED 已提交, FILED 已备案, NONCOMPLIANT 不符合, CHANGED 变更备案, CANCELLED 注销."},
			{Field: "receiptAt", Header: "回执日期", Kind: Date, Example: "2023-03-06", Doc: "Day the receipt (回执) was issued."},
			{Field: "receiptNumber", Header: "备案回执编号", Kind: Text, Example: "沈和卫托备〔2023〕12号", Doc: "Number printed on the receipt (备案回执编号), at most 64 characters; shown on the public profile. Empty while no receipt was issued."},
			{Field: "noncomplianceNotifiedAt", Header: "不符合告知日期", Kind: Date, Example: "", Doc: "Day the non-compliance notice was issued."},
		},
	},
	{
		Name: "inclusive_designations", Type: "InclusiveDesignation", Title: "普惠认定",
		Key: "institutionCreditCode + category + validFrom",
		Columns: []Column{
			institutionRef(true),
			{Field: "category", Header: "普惠类别", Kind: Enum, Enum: []string{"PUBLIC_INSTITUTION", "SOCIAL_INCLUSIVE", "PUBLIC_KINDERGARTEN_CLASS", "PRIVATE_INCLUSIVE_KINDERGARTEN_CLASS"}, Required: true, Key: true, Example: "SOCIAL_INCLUSIVE", Doc: "PUBLIC_INSTITUTION 公办, SOCIAL_INCLUSIVE 社会办普惠, PUBLIC_KINDERGARTEN_CLASS 公办幼儿园托班, PRIVATE_INCLUSIVE_KINDERGARTEN_CLASS 普惠性民办幼儿园托班."},
			{Field: "validFrom", Header: "认定生效日期", Kind: Date, Required: true, Key: true, Example: "2024-01-01", Doc: "First day the designation is valid."},
			{Field: "validTo", Header: "失效日期", Kind: Date, Example: "", Doc: "Day it lapses (not valid on this day); empty while it has no end."},
			{Field: "designatedBy", Header: "认定部门", Kind: Text, Required: true, Example: "和平区卫生健康局", Doc: "The designating authority."},
		},
	},
	{
		Name: "seats", Type: "Seat", Title: "托位",
		Key: "institutionCreditCode + ageBand + inclusive + openedAt + closedAt (one row is a group of identical seats; count says how many; the rows sharing all but closedAt together describe every seat opened that day, so re-importing them moves seats between their closing days)",
		Columns: []Column{
			institutionRef(true),
			{Field: "ageBand", Header: "班型", Kind: Enum, Enum: []string{"INFANT", "TODDLER", "PRESCHOOL", "MIXED"}, Required: true, Key: true, Example: "TODDLER", Doc: "INFANT 乳儿班, TODDLER 托小班, PRESCHOOL 托大班, MIXED 混合班."},
			{Field: "inclusive", Header: "普惠托位", Kind: Bool, Key: true, Example: "是", Doc: "是 if offered at the inclusive (普惠) price; empty = 否."},
			{Field: "openedAt", Header: "开设日期", Kind: Date, Required: true, Key: true, Example: "2022-09-01", Doc: "First day the seats are offered."},
			{Field: "closedAt", Header: "撤销日期", Kind: Date, Key: true, Example: "", Doc: "Day the seats are withdrawn; empty while open. Part of the key: give one row per closing day."},
			{Field: "count", Header: "托位数", Kind: Int, Example: "10", Doc: "Number of such seats (default 1). Re-importing with a smaller number removes unoccupied seats of the group; seats that children occupied are kept (CONFLICT)."},
		},
	},
	{
		Name: "staff", Type: "Staff", Title: "从业人员",
		Key: "institutionCreditCode + idNumber (居民身份证号)",
		Columns: []Column{
			institutionRef(true),
			{Field: "idNumber", Header: "身份证号码", Kind: Text, Required: true, Key: true, Personal: true, Example: "21010219900101001X", Doc: "18-character resident ID number; checked against the lifetime ban list. Never stored in clear."},
			{Field: "name", Header: "姓名", Kind: Text, Required: true, Personal: true, Example: "王芳", Doc: "Full name."},
			{Field: "role", Header: "岗位", Kind: Enum, Enum: []string{"PRINCIPAL", "CAREGIVER", "HEALTH", "TEACHER", "SECURITY", "COOK", "OTHER"}, Required: true, Example: "CAREGIVER", Doc: "PRINCIPAL 负责人, CAREGIVER 保育人员, HEALTH 卫生保健人员, TEACHER 教师, SECURITY 安全保卫, COOK 炊事, OTHER 其他."},
			{Field: "hiredAt", Header: "入职日期", Kind: Date, Required: true, Example: "2023-02-01", Doc: "First day of employment."},
			{Field: "leftAt", Header: "离职日期", Kind: Date, Example: "", Doc: "Day the employment ended; empty while employed."},
			{Field: "healthCertificateValidUntil", Header: "健康证有效期至", Kind: Date, Example: "2025-12-31", Doc: "Last day the health certificate is valid."},
		},
	},
	{
		Name: "certifications", Type: "Certification", Title: "资格证书",
		Key: "type + number (证书类型 + 证书编号)",
		Columns: []Column{
			{Field: "type", Header: "证书类型", Kind: Enum, Enum: []string{"CHILDCARE_WORKER", "INFANT_CARER", "KINDERGARTEN_TEACHER", "HEALTH_TRAINING", "PRINCIPAL_TRAINING", "NURSE", "DOCTOR", "SECURITY_GUARD"}, Required: true, Key: true, Example: "CHILDCARE_WORKER", Doc: "CHILDCARE_WORKER 保育师, INFANT_CARER 育婴员, KINDERGARTEN_TEACHER 幼儿园教师资格证, HEALTH_TRAINING 卫生保健培训, PRINCIPAL_TRAINING 负责人培训, NURSE 护士, DOCTOR 医师, SECURITY_GUARD 保安员证."},
			{Field: "number", Header: "证书编号", Kind: Text, Required: true, Key: true, Example: "S000021010001", Doc: "Certificate number."},
			institutionRef(false),
			{Field: "staffIdNumber", Header: "持证人身份证号码", Kind: Text, Required: true, Personal: true, Example: "21010219900101001X", Doc: "ID number of the holder, a staff member of the institution (import staff first)."},
			{Field: "level", Header: "等级", Kind: Int, Example: "4", Doc: "Vocational level 5 (初级) to 1 (高级技师), where the certificate has levels."},
			{Field: "issuer", Header: "发证机关", Kind: Text, Required: true, Example: "辽宁省人力资源和社会保障厅", Doc: "Issuing body."},
			{Field: "issuedAt", Header: "发证日期", Kind: Date, Required: true, Example: "2022-06-30", Doc: "Day the certificate was issued."},
			{Field: "expiresAt", Header: "有效期至", Kind: Date, Example: "", Doc: "Day it expires (not valid on this day); empty if it does not expire."},
		},
	},
	{
		Name: "ban_list", Type: "BanListEntry", Title: "从业禁止名单",
		Key: "idNumber (身份证号码)",
		Columns: []Column{
			{Field: "idNumber", Header: "身份证号码", Kind: Text, Required: true, Key: true, Personal: true, Example: "21010219800101001X", Doc: "18-character resident ID number of the banned person. Never stored in clear."},
			{Field: "basis", Header: "禁入依据", Kind: Text, Required: true, Example: "(2024)辽0102刑初1号判决", Doc: "Legal basis and decision reference."},
			{Field: "decidedAt", Header: "决定日期", Kind: Date, Required: true, Example: "2024-05-10", Doc: "Day the ban was decided."},
		},
	},
	{
		Name: "children", Type: "Child", Title: "儿童", Personal: true,
		Key: "idDocumentType + idNumber (证件类型 + 证件号码); a child without a document: name + birthDate, among the children without a document registered by the importing institution or in care there",
		Columns: []Column{
			{Field: "idDocumentType", Header: "证件类型", Kind: Enum, Enum: idDocTypes, Key: true, Example: "RESIDENT_ID", Doc: "RESIDENT_ID 居民身份证 (default when empty), HK_MACAO_PERMIT 港澳通行证, TAIWAN_PERMIT 台胞证, PASSPORT 护照, OTHER 其他."},
			{Field: "idNumber", Header: "证件号码", Kind: Text, Key: true, Personal: true, Example: "210102202305200023", Doc: "Number of the identity document. Never stored in clear. Leave empty (with idDocumentType) only for a child who has no document yet: the child is then named by name and birth date, which must be unique among such children of the institution."},
			{Field: "name", Header: "姓名", Kind: Text, Required: true, Personal: true, Example: "李小明", Doc: "Full name."},
			{Field: "sex", Header: "性别", Kind: Enum, Enum: []string{"FEMALE", "MALE"}, Required: true, Example: "MALE", Doc: "FEMALE 女 or MALE 男."},
			{Field: "birthDate", Header: "出生日期", Kind: Date, Required: true, Personal: true, Example: "2023-05-20", Doc: "Date of birth."},
			{Field: "guardianName", Header: "监护人姓名", Kind: Text, Personal: true, Example: "李强", Doc: "Guardian to contact."},
			{Field: "guardianPhone", Header: "监护人电话", Kind: Text, Personal: true, Example: "13800000000", Doc: "Guardian's phone number."},
			regionRef("residenceRegionCode", "居住地区划代码", "Code of the region of residence (lowest known level).", false, false),
		},
	},
	{
		Name: "enrolments", Type: "Enrolment", Title: "入托记录", Personal: true,
		Key: "institutionCreditCode + childIdDocumentType + childIdNumber (or childName + childBirthDate for a child without a document) + startDate",
		Columns: append(append([]Column{institutionRef(true)}, childRefs()...),
			Column{Field: "startDate", Header: "入托日期", Kind: Date, Required: true, Key: true, Example: "2024-09-01", Doc: "First day in care."},
			Column{Field: "serviceMode", Header: "托育形式", Kind: Enum, Enum: serviceModes, Required: true, Example: "FULL_DAY", Doc: "FULL_DAY 全日托, HALF_DAY 半日托, HOURLY 计时托, TEMPORARY 临时托; full- and half-day care of one child may not overlap."},
			Column{Field: "endDate", Header: "离托日期", Kind: Date, Example: "", Doc: "Day the child left (not in care on this day); empty while enrolled. A transfer: end at A on the day care starts at B."},
			Column{Field: "exitReason", Header: "离托原因", Kind: Enum, Enum: []string{"KINDERGARTEN", "MOVED", "PARENT_CHOICE", "HEALTH", "OTHER"}, Example: "", Doc: "Why the child left, with endDate: KINDERGARTEN 升入幼儿园, MOVED 搬迁, PARENT_CHOICE 家长选择, HEALTH 健康原因, OTHER 其他."},
		),
	},
	{
		Name: "health_records", Type: "HealthRecord", Title: "健康记录", Personal: true,
		Key: "institutionCreditCode + childIdDocumentType + childIdNumber (or childName + childBirthDate for a child without a document) + kind + date + session",
		Columns: append(append([]Column{institutionRef(true)}, childRefs()...),
			Column{Field: "kind", Header: "记录类型", Kind: Enum, Enum: []string{"ENTRY_EXAM", "CHECKUP", "GROWTH", "DEV_SCREENING", "VACCINATION_CHECK", "DAILY_CHECK"}, Required: true, Key: true, Example: "DAILY_CHECK", Doc: "ENTRY_EXAM 入托体检, CHECKUP 定期体检, GROWTH 生长监测, DEV_SCREENING 发育筛查, VACCINATION_CHECK 预防接种查验, DAILY_CHECK 晨午检."},
			Column{Field: "date", Header: "日期", Kind: Date, Required: true, Key: true, Example: "2025-03-03", Doc: "Day of the observation."},
			Column{Field: "session", Header: "晨午检", Kind: Enum, Enum: []string{"MORNING", "NOON"}, Key: true, Example: "MORNING", Doc: "For DAILY_CHECK only, and required there: MORNING 晨检 or NOON 午检."},
			Column{Field: "heightCm", Header: "身高(cm)", Kind: Decimal, Example: "", Doc: "Height in centimetres (30–130)."},
			Column{Field: "weightKg", Header: "体重(kg)", Kind: Decimal, Example: "", Doc: "Weight in kilograms (1–40)."},
			Column{Field: "headCm", Header: "头围(cm)", Kind: Decimal, Example: "", Doc: "Head circumference in centimetres (25–60)."},
			Column{Field: "temperatureC", Header: "体温(℃)", Kind: Decimal, Example: "36.6", Doc: "Body temperature in °C (34–43)."},
			Column{Field: "result", Header: "结果", Kind: Enum, Enum: []string{"NORMAL", "ABNORMAL", "REFERRED"}, Example: "NORMAL", Doc: "NORMAL 正常 (default), ABNORMAL 异常, REFERRED 转诊."},
			Column{Field: "notes", Header: "备注", Kind: Text, Example: "", Doc: "Free-text notes (≤ 1,000 characters)."},
		),
	},
	{
		Name: "inspections", Type: "Inspection", Title: "监督检查",
		Key: "institutionCreditCode + inspectedOn + kind",
		Columns: []Column{
			institutionRef(true),
			{Field: "inspectedOn", Header: "检查日期", Kind: Date, Required: true, Key: true, Example: "2025-04-10", Doc: "Day of the visit."},
			{Field: "kind", Header: "检查类型", Kind: Enum, Enum: []string{"ROUTINE", "SPECIAL", "FOLLOW_UP", "COMPLAINT"}, Required: true, Key: true, Example: "ROUTINE", Doc: "ROUTINE 日常, SPECIAL 专项, FOLLOW_UP 复查, COMPLAINT 投诉核查."},
			{Field: "inspector", Header: "检查单位", Kind: Text, Required: true, Example: "和平区卫生健康监督所", Doc: "Inspecting authority or team."},
			{Field: "outcome", Header: "检查结果", Kind: Enum, Enum: []string{"PASSED", "CORRECTIONS_REQUIRED", "FAILED"}, Required: true, Example: "PASSED", Doc: "PASSED 合格, CORRECTIONS_REQUIRED 限期整改, FAILED 不合格."},
		},
	},
	{
		Name: "findings", Type: "Finding", Title: "检查发现问题",
		Key: "institutionCreditCode + inspectedOn + inspectionKind + rule",
		Columns: []Column{
			institutionRef(true),
			{Field: "inspectedOn", Header: "检查日期", Kind: Date, Required: true, Key: true, Example: "2025-04-10", Doc: "Day of the inspection that recorded it (import inspections first)."},
			{Field: "inspectionKind", Header: "检查类型", Kind: Enum, Enum: []string{"ROUTINE", "SPECIAL", "FOLLOW_UP", "COMPLAINT"}, Required: true, Key: true, Example: "ROUTINE", Doc: "Kind of that inspection."},
			{Field: "rule", Header: "违反条款", Kind: Text, Required: true, Key: true, Example: "托育机构管理规范 第十九条", Doc: "The rule violated."},
			{Field: "severity", Header: "严重程度", Kind: Enum, Enum: []string{"MINOR", "MAJOR", "CRITICAL"}, Required: true, Example: "MINOR", Doc: "MINOR 一般, MAJOR 较重, CRITICAL 严重."},
			{Field: "description", Header: "问题描述", Kind: Text, Example: "消毒记录不全", Doc: "What was found."},
			{Field: "deadline", Header: "整改期限", Kind: Date, Example: "2025-05-10", Doc: "Day by which it must be corrected."},
			{Field: "rectifiedAt", Header: "整改报告日期", Kind: Date, Example: "", Doc: "Day the institution reported the finding rectified (on time when on or before deadline, RECTIFICATION_RATE); empty while not reported. Status: VERIFIED with correctedAt, else RECTIFIED with rectifiedAt, else OPEN."},
			{Field: "correctedAt", Header: "整改完成日期", Kind: Date, Example: "", Doc: "Day the correction was verified; empty while open."},
		},
	},
	{
		Name: "complaints", Type: "Complaint", Title: "投诉",
		Key: "institutionCreditCode + receivedAt + channel + category",
		Columns: []Column{
			institutionRef(true),
			{Field: "receivedAt", Header: "受理日期", Kind: Date, Required: true, Key: true, Example: "2025-02-14", Doc: "Day the complaint was received."},
			{Field: "channel", Header: "投诉渠道", Kind: Enum, Enum: []string{"HOTLINE", "ONLINE", "LETTER", "VISIT", "OTHER"}, Required: true, Key: true, Example: "HOTLINE", Doc: "HOTLINE 热线, ONLINE 网络, LETTER 信件, VISIT 来访, OTHER 其他."},
			{Field: "category", Header: "投诉类别", Kind: Text, Required: true, Key: true, Example: "收费", Doc: "Subject, e.g. 安全, 收费, 卫生."},
			{Field: "dueOn", Header: "办结期限", Kind: Date, Example: "2025-03-07", Doc: "Handling deadline: the complaint should be closed on or before this day (COMPLAINT_ON_TIME_RATE); empty = 15 working days after receipt on the official calendar."},
			{Field: "closedAt", Header: "办结日期", Kind: Date, Example: "", Doc: "Day it was closed; empty while open."},
			{Field: "outcome", Header: "办结结论", Kind: Enum, Enum: []string{"SUBSTANTIATED", "PARTLY_SUBSTANTIATED", "UNSUBSTANTIATED", "REFERRED", "WITHDRAWN"}, Example: "", Doc: "Required exactly when 办结日期 is given: SUBSTANTIATED 属实, PARTLY_SUBSTANTIATED 部分属实, UNSUBSTANTIATED 不属实, REFERRED 转办, WITHDRAWN 撤回."},
			{Field: "resolution", Header: "处理结果", Kind: Text, Example: "", Doc: "How it was resolved."},
		},
	},
	{
		Name: "incidents", Type: "Incident", Title: "安全事件",
		Key: "institutionCreditCode + occurredAt + kind",
		Columns: []Column{
			institutionRef(true),
			{Field: "occurredAt", Header: "发生时间", Kind: DateTime, Required: true, Key: true, Example: "2025-03-05 10:30", Doc: "When it happened (server time zone)."},
			{Field: "kind", Header: "事件类型", Kind: Text, Required: true, Key: true, Example: "跌落", Doc: "Kind of incident, e.g. 跌落, 烫伤, 食物中毒."},
			{Field: "severity", Header: "事件等级", Kind: Enum, Enum: []string{"MINOR", "SERIOUS", "MAJOR"}, Required: true, Example: "MINOR", Doc: "MINOR 一般, SERIOUS 较大, MAJOR 重大."},
			{Field: "reportedAt", Header: "报告时间", Kind: DateTime, Required: true, Example: "2025-03-05 11:00", Doc: "When it was reported to the regulator."},
			{Field: "description", Header: "经过", Kind: Text, Example: "", Doc: "What happened, without personal data."},
		},
	},
	{
		Name: "surveys", Type: "Survey", Title: "家长调查",
		Key: "regionCode + kind + date",
		Columns: []Column{
			regionRef("regionCode", "区划代码", "Code of the surveyed region.", true, true),
			{Field: "kind", Header: "调查类型", Kind: Enum, Enum: []string{"SATISFACTION", "PARENTING_KNOWLEDGE"}, Required: true, Key: true, Example: "SATISFACTION", Doc: "SATISFACTION 满意度, PARENTING_KNOWLEDGE 科学育儿知识."},
			{Field: "date", Header: "截止日期", Kind: Date, Required: true, Key: true, Example: "2025-06-30", Doc: "Day the survey closed."},
			{Field: "respondents", Header: "调查人数", Kind: Int, Required: true, Example: "500", Doc: "Number of respondents (≥ 1)."},
			{Field: "positive", Header: "肯定人数", Kind: Int, Required: true, Example: "460", Doc: "Respondents answering positively; at most respondents."},
		},
	},
	{
		Name: "targets", Type: "Target", Title: "规划目标",
		Key: "regionCode + indicator + targetYear",
		Columns: []Column{
			regionRef("regionCode", "区划代码", "Code of the region the target applies to (covering its descendants).", true, true),
			{Field: "indicator", Header: "指标", Kind: Enum, Enum: indicatorKeys(), Required: true, Key: true, Example: "SEATS_PER_1000", Doc: "Indicator key of the KPI dictionary."},
			{Field: "targetYear", Header: "目标年份", Kind: Int, Required: true, Key: true, Example: "2025", Doc: "Year by which the target applies."},
			{Field: "targetValue", Header: "目标值", Kind: Decimal, Required: true, Example: "4.5", Doc: "Target value in the indicator's unit (rates as fractions 0..1)."},
			{Field: "comparator", Header: "比较方式", Kind: Enum, Enum: []string{"GE", "GT", "LE", "LT", "EQ"}, Example: "GE", Doc: "GE ≥ (default), GT >, LE ≤, LT <, EQ =."},
			{Field: "baselineYear", Header: "基期年份", Kind: Int, Example: "2020", Doc: "Year of the baseline value."},
			{Field: "baselineValue", Header: "基期值", Kind: Decimal, Example: "2.1", Doc: "Baseline value in the indicator's unit."},
			{Field: "source", Header: "政策依据", Kind: Text, Required: true, Example: "沈政办发〔2024〕1号", Doc: "The policy document."},
			{Field: "kind", Header: "目标性质", Kind: Enum, Enum: []string{"EXPECTED", "BINDING"}, Example: "EXPECTED", Doc: "EXPECTED 预期性 (default), BINDING 约束性."},
		},
	},
	{
		// One national calendar: only PROVINCE_REGULATOR tokens import it. A
		// file is the whole of each year it names, as the yearly notice is.
		Name: "work_calendar", Type: "WorkCalendarDay", Title: "法定节假日与调休",
		Key: "date; a file replaces each calendar year it names: the days of those years that it does not list are removed",
		Columns: []Column{
			{Field: "date", Header: "日期", Kind: Date, Required: true, Key: true, Example: "2027-10-01",
				Doc: "A public holiday on a weekday (放假) or a make-up workday on a weekend (调休上班), as the State Council's yearly notice lists them. Give every such day of each year in the file: the file replaces those years (at most 120 days a year)."},
			{Field: "workday", Header: "调休上班", Kind: Bool, Example: "否",
				Doc: "是 for a make-up workday (调休上班), which must fall on a Saturday or Sunday; 否 or empty for a holiday (放假)."},
			{Field: "name", Header: "节假日名称", Kind: Text, Example: "国庆节",
				Doc: "The holiday's name (at most 100 characters); a make-up workday carries the name of the holiday it makes up for."},
		},
	},
}
