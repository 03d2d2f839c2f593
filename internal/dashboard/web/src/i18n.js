// Chinese first, English on request (?lang in the URL hash).
const zh = {
  title: '托育监管看板', otherLang: 'English', signIn: '登录', signOut: '退出',
  signInLead: '粘贴令牌（token）或 API 密钥。它只保存在本浏览器标签页的会话存储中（关闭标签页即清除），不会写入网址或 Cookie。',
  tokenPlaceholder: 'eyJhbGciOi… 或 tuoyu_…', howToGet: '如何获取令牌', howDev: '开发环境：在服务器目录运行以下命令，复制输出的一行：',
  howKey: 'BI 服务账号：由管理员创建 API 密钥（只读、仅汇总数据）：', howStored: '生产环境的令牌由身份认证系统签发。监管人员与 BI 服务账号可查看指标；公众与机构人员不能。',
  expired: '凭证无效或已过期，请重新登录。', noKPIs: '此身份不能查看指标（仅监管人员与 BI 服务账号可以）。',
  loading: '加载中…', error: '出错', noRegion: '找不到该地区', asOf: '截至', period: '统计月份',
  datesHint: '时点指标按“截至”日期计算，期间指标按统计月份计算。',
  view_overview: '概览', view_trend: '趋势', view_ranking: '排名', view_breakdown: '构成', view_map: '地图', view_work: '工作清单',
  suppressed: '已抑制', target: '目标', noTarget: '无目标', attained: '已达标', gap: '差距', short: '未达标',
  childRegions: '下级地区', region: '地区', code: '代码', sortHint: '点击排序', drillHint: '点击进入下级',
  noChildren: '没有下级地区。', compare: '对比地区（最多 5 个）：', bucket: '时间', grain_MONTH: '按月', grain_QUARTER: '按季度', grain_YEAR: '按年',
  rank: '名次', numerator: '分子', denominator: '分母', nullsLast: '无数据的地区排在最后', noData: '无数据',
  outside: '辖区外或未知', dim_CHILD_REGION: '按居住地区', dim_INSTITUTION_FORM: '按机构类型', dim_OWNERSHIP: '按举办性质', dim_LEGAL_NATURE: '按法人类型', dim_AGE_BAND: '按托位年龄段',
  byFiling: '按备案状态着色', byInclusive: '按普惠状态着色', allForms: '全部机构类型', colour: '着色：', choropleth: '分区着色指标：',
  clickPoint: '点击地图上的机构查看公开信息。', name: '名称', form: '机构类型', address: '地址', longitude: '经度', latitude: '纬度',
  filing: '备案', inclusive: '普惠', seats: '托位数', ownership: '举办性质', legalNature: '法人类型', opened: '开业日期', status: '状态',
  approxNote: '区界为示意（近似）边界，仅用于展示。', noBoundaries: '下级地区没有边界数据，仅显示机构位置。', shownOf: (a, b) => `显示 ${a} / 共 ${b} 家机构。`,
  within: '到期提醒：', withinN: (n) => (n ? `${n} 个工作日内` : '仅当天'), none: '无',
  workFilingsDue: (n) => `即将到期的备案（${n ? `${n} 个工作日内` : '当天'}）`, workFilingsOverdue: '逾期未办的备案',
  workFindingsOverdue: '逾期未整改的问题', workComplaintsOverdue: '逾期未办结的投诉', workRectified: '已报整改、待复查的问题',
  workHint: '按“截至”日期判断是否到期、逾期；事项按当前状态列出：仍待审核的备案、仍未整改的问题、仍未办结的投诉、已报整改待复查的问题。',
  workFilingsNote: '回执应在提交后 5 个工作日内出具，不符合通知在 15 个工作日内（国卫办人口发〔2019〕25号，按法定工作日历，含调休）。',
  workOverdueNote: '逾期天数按日历日计；超过 15 个工作日仍未决的备案，回执与不符合通知两项都列出。',
  workRectifiedNote: '机构已报告整改完成（报告日期不晚于截至日期），等待监管人员复查核实；等待最久的在前。',
  workForbidden: (role) => `工作清单仅供监管人员查看本辖区的事项；此身份（${role}）不能查看。`,
  workCalendar: '截至日期超出工作日历的已知范围，无法计算工作日期限（请省级监管人员导入该年的工作日历）。',
  institution: '机构', deadlineKind: '事项', submitted: '提交日期', dueOn: '截止日期', workingDaysLeft: '剩余工作日',
  workingDaysOverdue: '逾期工作日', daysOverdue: '逾期天数', inspected: '检查日期', inspectionKind: '检查类型', rule: '问题（依据）',
  description: '情况', severity: '严重程度', rectifyBy: '整改期限', received: '受理日期', channel: '渠道', category: '类别',
  handleBy: '办结期限', rectifiedOn: '报告整改日期', onTime: '按期整改', waitingDays: '已等待天数', yes: '是', no: '否',
};
const en = {
  title: 'Childcare supervision dashboard', otherLang: '中文', signIn: 'Sign in', signOut: 'Sign out',
  signInLead: 'Paste a token or an API key. It is kept in this tab\'s session storage only (cleared when the tab closes), never in a URL or cookie.',
  tokenPlaceholder: 'eyJhbGciOi… or tuoyu_…', howToGet: 'How to get a token', howDev: 'Development: run this in the server\'s directory and copy the line it prints:',
  howKey: 'BI service accounts: an administrator creates an API key (read-only, aggregates only):', howStored: 'In production your identity provider issues tokens. Regulators and BI service accounts can read indicators; the public and institution staff cannot.',
  expired: 'Credentials invalid or expired; please sign in again.', noKPIs: 'This role cannot read indicators (regulators and BI service accounts only).',
  loading: 'Loading…', error: 'Error', noRegion: 'No such region', asOf: 'As of', period: 'Period',
  datesHint: 'Stock indicators use the as-of date, period indicators the month.',
  view_overview: 'Overview', view_trend: 'Trend', view_ranking: 'Ranking', view_breakdown: 'Breakdown', view_map: 'Map', view_work: 'Work lists',
  suppressed: 'suppressed', target: 'Target', noTarget: 'no target', attained: 'attained', gap: 'gap', short: 'short of target',
  childRegions: 'Child regions', region: 'Region', code: 'Code', sortHint: 'click to sort', drillHint: 'click to drill down',
  noChildren: 'No child regions.', compare: 'Compare (up to 5):', bucket: 'Bucket', grain_MONTH: 'Monthly', grain_QUARTER: 'Quarterly', grain_YEAR: 'Yearly',
  rank: 'Rank', numerator: 'Numerator', denominator: 'Denominator', nullsLast: 'regions without data come last', noData: 'no data',
  outside: 'outside or unknown', dim_CHILD_REGION: 'by residence region', dim_INSTITUTION_FORM: 'by institution form', dim_OWNERSHIP: 'by ownership', dim_LEGAL_NATURE: 'by legal nature', dim_AGE_BAND: 'by age band',
  byFiling: 'colour by filing', byInclusive: 'colour by 普惠 status', allForms: 'all forms', colour: 'Colour:', choropleth: 'Choropleth:',
  clickPoint: 'Click an institution on the map for its public profile.', name: 'Name', form: 'Form', address: 'Address', longitude: 'Longitude', latitude: 'Latitude',
  filing: 'Filing', inclusive: '普惠', seats: 'Seats', ownership: 'Ownership', legalNature: 'Legal nature', opened: 'Opened', status: 'Status',
  approxNote: 'Boundaries are approximate, for display only.', noBoundaries: 'The child regions have no boundaries: institutions only.', shownOf: (a, b) => `${a} of ${b} institutions shown.`,
  within: 'Due within:', withinN: (n) => (n ? `${n} working day${n === 1 ? '' : 's'}` : 'today only'), none: 'none',
  workFilingsDue: (n) => `Filings due (${n ? `within ${n} working day${n === 1 ? '' : 's'}` : 'today'})`, workFilingsOverdue: 'Filings overdue',
  workFindingsOverdue: 'Findings overdue', workComplaintsOverdue: 'Complaints overdue', workRectified: 'Findings awaiting verification',
  workHint: 'Due and overdue are judged on the as-of date; items are listed by their current status: filings still awaiting a decision, findings still open, complaints still open, findings reported rectified and awaiting a re-inspection.',
  workFilingsNote: 'The receipt is due within 5 working days of the submission, a non-compliance notice within 15 (国卫办人口发〔2019〕25号, official working-day calendar with its make-up workdays).',
  workOverdueNote: 'Days overdue are calendar days; a filing undecided after 15 working days is listed twice, for the receipt and for the notice.',
  workRectifiedNote: 'Reported rectified by the institution (on or before the as-of date), awaiting a regulator\'s re-inspection; longest waiting first.',
  workForbidden: (role) => `Work lists are for regulators, for regions inside their own; this role (${role}) cannot read them.`,
  workCalendar: 'The as-of date lies beyond the known working-day calendar, so working-day deadlines cannot be computed (a province regulator loads the year\'s calendar).',
  institution: 'Institution', deadlineKind: 'Action due', submitted: 'Submitted', dueOn: 'Due on', workingDaysLeft: 'Working days left',
  workingDaysOverdue: 'Working days overdue', daysOverdue: 'Days overdue', inspected: 'Inspected', inspectionKind: 'Inspection', rule: 'Rule',
  description: 'Description', severity: 'Severity', rectifyBy: 'Rectify by', received: 'Received', channel: 'Channel', category: 'Category',
  handleBy: 'Close by', rectifiedOn: 'Reported rectified', onTime: 'On time', waitingDays: 'Days waiting', yes: 'yes', no: 'no',
};
const enums = {
  zh: {
    role: { PROVINCE_REGULATOR: '省级监管', CITY_REGULATOR: '市级监管', DISTRICT_REGULATOR: '区县监管', INSTITUTION_STAFF: '机构人员', BI_SERVICE: 'BI 服务账号', PUBLIC: '公众' },
    level: { PROVINCE: '省', CITY: '市', DISTRICT: '区县', SUBDISTRICT: '街道/乡镇' },
    form: { CENTER: '托育机构', KINDERGARTEN: '幼儿园托班', EMPLOYER: '用人单位办托', COMMUNITY: '社区托育点', HOME: '家庭托育点', GUIDANCE_CENTER: '托育综合服务中心' },
    ownership: { PUBLIC: '公办', PRIVATE: '民办', PUBLIC_PRIVATE: '公建民营', PRIVATE_SUBSIDISED: '民办公助' },
    legalNature: { PUBLIC_UNIT: '事业单位', NONPROFIT: '社会服务机构', FOR_PROFIT: '营利性' },
    ageBand: { INFANT: '乳儿班', TODDLER: '托小班', PRESCHOOL: '托大班', MIXED: '混龄班' },
    state: { FILED: '已备案', SUBMITTED: '审核中', NONCOMPLIANT: '不符合', NONE: '未备案', INCLUSIVE: '普惠', NOT_INCLUSIVE: '非普惠' },
    deadline: { RECEIPT: '出具回执', NOTICE: '不符合通知' },
    severity: { MINOR: '一般', MAJOR: '较重', CRITICAL: '严重' },
    channel: { HOTLINE: '热线电话', ONLINE: '网络', LETTER: '信件', VISIT: '来访', OTHER: '其他' },
    inspection: { ROUTINE: '日常检查', SPECIAL: '专项检查', FOLLOW_UP: '复查', COMPLAINT: '投诉核查' },
  },
  en: {
    role: { PROVINCE_REGULATOR: 'Province regulator', CITY_REGULATOR: 'City regulator', DISTRICT_REGULATOR: 'District regulator', INSTITUTION_STAFF: 'Institution staff', BI_SERVICE: 'BI service', PUBLIC: 'Public' },
    level: { PROVINCE: 'province', CITY: 'city', DISTRICT: 'district', SUBDISTRICT: 'subdistrict' },
    form: { CENTER: 'Centre', KINDERGARTEN: 'Kindergarten', EMPLOYER: 'Employer', COMMUNITY: 'Community', HOME: 'Home-based', GUIDANCE_CENTER: 'Guidance centre' },
    ownership: { PUBLIC: 'Public', PRIVATE: 'Private', PUBLIC_PRIVATE: 'Public-built, privately run', PRIVATE_SUBSIDISED: 'Private, subsidised' },
    legalNature: { PUBLIC_UNIT: 'Public unit', NONPROFIT: 'Non-profit', FOR_PROFIT: 'For-profit' },
    ageBand: { INFANT: 'Infant', TODDLER: 'Toddler', PRESCHOOL: 'Preschool', MIXED: 'Mixed' },
    state: { FILED: 'Filed', SUBMITTED: 'Submitted', NONCOMPLIANT: 'Non-compliant', NONE: 'Not filed', INCLUSIVE: '普惠 (inclusive)', NOT_INCLUSIVE: 'Not inclusive' },
    deadline: { RECEIPT: 'Receipt', NOTICE: 'Non-compliance notice' },
    severity: { MINOR: 'Minor', MAJOR: 'Major', CRITICAL: 'Critical' },
    channel: { HOTLINE: 'Hotline', ONLINE: 'Online', LETTER: 'Letter', VISIT: 'Visit', OTHER: 'Other' },
    inspection: { ROUTINE: 'Routine', SPECIAL: 'Special', FOLLOW_UP: 'Follow-up', COMPLAINT: 'Complaint check' },
  },
};
let current = 'zh';
export function setLang(l) { current = l === 'en' ? 'en' : 'zh'; document.documentElement.lang = current === 'en' ? 'en' : 'zh-CN'; }
export function lang() { return current; }
export function T(k, ...args) {
  const v = (current === 'en' ? en : zh)[k];
  if (typeof v === 'function') return v(...args);
  return v == null ? k : v;
}
export function enumLabel(kind, v) {
  const m = enums[current][kind] || {};
  return m[v] || v || '—';
}
