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
  workSoon: '工作清单（到期/逾期备案、待复核问题）将在工作流功能上线后显示在这里。',
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
  workSoon: 'Work lists (filings due or overdue, findings to verify) will appear here once the workflows land.',
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
  },
  en: {
    role: { PROVINCE_REGULATOR: 'Province regulator', CITY_REGULATOR: 'City regulator', DISTRICT_REGULATOR: 'District regulator', INSTITUTION_STAFF: 'Institution staff', BI_SERVICE: 'BI service', PUBLIC: 'Public' },
    level: { PROVINCE: 'province', CITY: 'city', DISTRICT: 'district', SUBDISTRICT: 'subdistrict' },
    form: { CENTER: 'Centre', KINDERGARTEN: 'Kindergarten', EMPLOYER: 'Employer', COMMUNITY: 'Community', HOME: 'Home-based', GUIDANCE_CENTER: 'Guidance centre' },
    ownership: { PUBLIC: 'Public', PRIVATE: 'Private', PUBLIC_PRIVATE: 'Public-built, privately run', PRIVATE_SUBSIDISED: 'Private, subsidised' },
    legalNature: { PUBLIC_UNIT: 'Public unit', NONPROFIT: 'Non-profit', FOR_PROFIT: 'For-profit' },
    ageBand: { INFANT: 'Infant', TODDLER: 'Toddler', PRESCHOOL: 'Preschool', MIXED: 'Mixed' },
    state: { FILED: 'Filed', SUBMITTED: 'Submitted', NONCOMPLIANT: 'Non-compliant', NONE: 'Not filed', INCLUSIVE: '普惠 (inclusive)', NOT_INCLUSIVE: 'Not inclusive' },
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
