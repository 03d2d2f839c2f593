package demo

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"github.com/tuoyu/tuoyu/ent/region"
)

// place is one node of a built-in region tree. Province, city and district
// nodes carry real GB/T 2260 codes and names; subdistricts (街道/乡镇) are
// synthetic, with 12-digit codes under their district's code.
type place struct {
	code, name string
	level      region.Level
	lat, lon   float64 // approximate centre, for synthetic coordinates
	weight     float64 // relative resident population among siblings
	county     bool    // 县/县级市/自治县: subdistricts are mostly 镇/乡
	children   []*place
}

// city is a compact literal for one prefecture-level city: its code, name,
// centre, 2020 census population in 万人 (the weight) and its districts as
// code/name pairs.
type city struct {
	code, name string
	lat, lon   float64
	pop        float64
	districts  [][2]string
}

// liaoningCities lists 辽宁省's 14 prefecture-level cities with their
// county-level divisions (GB/T 2260 codes).
var liaoningCities = []city{
	{"210100", "沈阳市", 41.80, 123.43, 907, [][2]string{
		{"210102", "和平区"}, {"210103", "沈河区"}, {"210104", "大东区"}, {"210105", "皇姑区"},
		{"210106", "铁西区"}, {"210111", "苏家屯区"}, {"210112", "浑南区"}, {"210113", "沈北新区"},
		{"210114", "于洪区"}, {"210115", "辽中区"}, {"210123", "康平县"}, {"210124", "法库县"},
		{"210181", "新民市"},
	}},
	{"210200", "大连市", 38.91, 121.61, 745, [][2]string{
		{"210202", "中山区"}, {"210203", "西岗区"}, {"210204", "沙河口区"}, {"210211", "甘井子区"},
		{"210212", "旅顺口区"}, {"210213", "金州区"}, {"210214", "普兰店区"}, {"210224", "长海县"},
		{"210281", "瓦房店市"}, {"210283", "庄河市"},
	}},
	{"210300", "鞍山市", 41.11, 122.99, 333, [][2]string{
		{"210302", "铁东区"}, {"210303", "铁西区"}, {"210304", "立山区"}, {"210311", "千山区"},
		{"210321", "台安县"}, {"210323", "岫岩满族自治县"}, {"210381", "海城市"},
	}},
	{"210400", "抚顺市", 41.88, 123.96, 185, [][2]string{
		{"210402", "新抚区"}, {"210403", "东洲区"}, {"210404", "望花区"}, {"210411", "顺城区"},
		{"210421", "抚顺县"}, {"210422", "新宾满族自治县"}, {"210423", "清原满族自治县"},
	}},
	{"210500", "本溪市", 41.29, 123.77, 133, [][2]string{
		{"210502", "平山区"}, {"210503", "溪湖区"}, {"210504", "明山区"}, {"210505", "南芬区"},
		{"210521", "本溪满族自治县"}, {"210522", "桓仁满族自治县"},
	}},
	{"210600", "丹东市", 40.12, 124.38, 219, [][2]string{
		{"210602", "元宝区"}, {"210603", "振兴区"}, {"210604", "振安区"},
		{"210624", "宽甸满族自治县"}, {"210681", "东港市"}, {"210682", "凤城市"},
	}},
	{"210700", "锦州市", 41.12, 121.13, 270, [][2]string{
		{"210702", "古塔区"}, {"210703", "凌河区"}, {"210711", "太和区"}, {"210726", "黑山县"},
		{"210727", "义县"}, {"210781", "凌海市"}, {"210782", "北镇市"},
	}},
	{"210800", "营口市", 40.67, 122.23, 233, [][2]string{
		{"210802", "站前区"}, {"210803", "西市区"}, {"210804", "鲅鱼圈区"}, {"210811", "老边区"},
		{"210881", "盖州市"}, {"210882", "大石桥市"},
	}},
	{"210900", "阜新市", 42.02, 121.67, 165, [][2]string{
		{"210902", "海州区"}, {"210903", "新邱区"}, {"210904", "太平区"}, {"210905", "清河门区"},
		{"210911", "细河区"}, {"210921", "阜新蒙古族自治县"}, {"210922", "彰武县"},
	}},
	{"211000", "辽阳市", 41.27, 123.17, 160, [][2]string{
		{"211002", "白塔区"}, {"211003", "文圣区"}, {"211004", "宏伟区"}, {"211005", "弓长岭区"},
		{"211011", "太子河区"}, {"211021", "辽阳县"}, {"211081", "灯塔市"},
	}},
	{"211100", "盘锦市", 41.12, 122.07, 139, [][2]string{
		{"211102", "双台子区"}, {"211103", "兴隆台区"}, {"211104", "大洼区"}, {"211122", "盘山县"},
	}},
	{"211200", "铁岭市", 42.29, 123.84, 239, [][2]string{
		{"211202", "银州区"}, {"211204", "清河区"}, {"211221", "铁岭县"}, {"211223", "西丰县"},
		{"211224", "昌图县"}, {"211281", "调兵山市"}, {"211282", "开原市"},
	}},
	{"211300", "朝阳市", 41.57, 120.45, 287, [][2]string{
		{"211302", "双塔区"}, {"211303", "龙城区"}, {"211321", "朝阳县"}, {"211322", "建平县"},
		{"211324", "喀喇沁左翼蒙古族自治县"}, {"211381", "北票市"}, {"211382", "凌源市"},
	}},
	{"211400", "葫芦岛市", 40.71, 120.84, 243, [][2]string{
		{"211402", "连山区"}, {"211403", "龙港区"}, {"211404", "南票区"}, {"211421", "绥中县"},
		{"211422", "建昌县"}, {"211481", "兴城市"},
	}},
}

// dazuTowns are eight of 大足区's 街道 and 镇, used at district scale.
var dazuTowns = []string{"龙岗街道", "棠香街道", "龙滩子街道", "智凤街道", "龙水镇", "宝顶镇", "邮亭镇", "珠溪镇"}

// streetRoots are the first parts of synthetic subdistrict names.
var streetRoots = []string{
	"新华", "胜利", "光明", "民主", "建设", "文化", "长青", "北陵", "南湖", "东湖",
	"西湖", "兴华", "繁荣", "振兴", "向阳", "青年", "五一", "太平", "永安", "安乐",
	"福民", "长安", "红旗", "新开", "迎春", "富强", "东风", "站前", "滨河", "望湖",
	"松山", "桃源", "杏林", "柳林", "枫林", "白山", "黄河", "长江", "泰山", "华山",
	"龙山", "凤凰", "金桥", "银河", "新城", "古城", "东城", "西城", "南城", "北城",
	"工人", "育才", "花园", "湖滨", "锦华", "锦绣", "新村", "新立", "万福", "庆丰",
	"丰收", "六合", "三台", "四方", "七里", "八里", "十里", "大屯", "双河", "清水",
	"石桥", "柳河", "榆树", "杨树", "梨树", "李家", "王家", "张家", "刘家", "高台",
}

// seededRand returns a generator that depends only on s, so that the region
// tree (and its subdistrict names and codes) is the same for every Seed.
func seededRand(s string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(s))
	return rand.New(rand.NewPCG(h.Sum64(), 0x7475_6f79_75))
}

// synthSubdistricts adds n synthetic subdistricts (codes dddddd001000,
// dddddd002000, …) to district d.
func synthSubdistricts(d *place, n int) {
	r := seededRand(d.code)
	roots := append([]string(nil), streetRoots...)
	r.Shuffle(len(roots), func(i, j int) { roots[i], roots[j] = roots[j], roots[i] })
	for i := 0; i < n; i++ {
		suffix := "街道"
		switch {
		case d.county && i == 0:
			roots[i] = "城关"
		case d.county && i%4 == 3:
			suffix = "乡"
		case d.county && i > 1:
			suffix = "镇"
		case !d.county && i >= n-2 && r.IntN(3) == 0:
			suffix = "镇"
		}
		w := 0.6 + r.Float64()*1.4
		if suffix != "街道" {
			w *= 0.5
		}
		d.children = append(d.children, &place{
			code:   fmt.Sprintf("%s%03d000", d.code, i+1),
			name:   roots[i] + suffix,
			level:  region.LevelSUBDISTRICT,
			lat:    d.lat + (r.Float64()-0.5)*0.12,
			lon:    d.lon + (r.Float64()-0.5)*0.16,
			weight: w,
		})
	}
}

// isCounty reports whether a district name is a county-level division that
// is not an urban district (区): 县, 自治县 or 县级市.
func isCounty(name string) bool {
	rs := []rune(name)
	last := string(rs[len(rs)-1])
	return last == "县" || last == "市"
}

// newDistrict builds a district node of city c with 6–12 synthetic
// subdistricts (fewer in small urban districts, more in counties).
func newDistrict(code, name string, lat, lon float64) *place {
	r := seededRand(code + "/district")
	d := &place{
		code:   code,
		name:   name,
		level:  region.LevelDISTRICT,
		county: isCounty(name),
		lat:    lat + (r.Float64()-0.5)*0.5,
		lon:    lon + (r.Float64()-0.5)*0.6,
	}
	n := 6 + r.IntN(5)
	d.weight = 0.8 + r.Float64()*0.6
	if d.county {
		n = 8 + r.IntN(5)
		d.weight = 0.6 + r.Float64()*0.4
	}
	synthSubdistricts(d, n)
	return d
}

// liaoning returns 辽宁省 with the given cities (all districts, synthetic
// subdistricts).
func liaoning(cities []city) *place {
	root := &place{code: "210000", name: "辽宁省", level: region.LevelPROVINCE, lat: 41.3, lon: 122.6, weight: 1}
	for _, c := range cities {
		cp := &place{code: c.code, name: c.name, level: region.LevelCITY, lat: c.lat, lon: c.lon, weight: c.pop}
		for _, d := range c.districts {
			cp.children = append(cp.children, newDistrict(d[0], d[1], c.lat, c.lon))
		}
		root.children = append(root.children, cp)
	}
	return root
}

// chongqingDazu returns 重庆市 (as the PROVINCE-level root) › 大足区 with
// eight subdistricts.
func chongqingDazu() *place {
	d := &place{code: "500111", name: "大足区", level: region.LevelDISTRICT, lat: 29.70, lon: 105.72, weight: 1}
	r := seededRand(d.code)
	for i, name := range dazuTowns {
		w := 0.6 + r.Float64()*1.4
		if i >= 4 {
			w *= 0.6 // 镇 are smaller than the central 街道
		}
		d.children = append(d.children, &place{
			code:   fmt.Sprintf("500111%03d000", i+1),
			name:   name,
			level:  region.LevelSUBDISTRICT,
			lat:    d.lat + (r.Float64()-0.5)*0.25,
			lon:    d.lon + (r.Float64()-0.5)*0.3,
			weight: w,
		})
	}
	return &place{code: "500000", name: "重庆市", level: region.LevelPROVINCE, lat: 29.56, lon: 106.55, weight: 1, children: []*place{d}}
}

// placesFor returns the region tree of a scale: 重庆市 › 大足区 for district
// scale, 辽宁省 › 沈阳市 for city scale and all of 辽宁省 for province scale.
func placesFor(s Scale) *place {
	switch s {
	case ScaleDistrict:
		return chongqingDazu()
	case ScaleProvince:
		return liaoning(liaoningCities)
	default:
		return liaoning(liaoningCities[:1])
	}
}
