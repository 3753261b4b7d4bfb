import { cumulate, type Prng } from './prng.ts';

// Common Chinese surnames with rough relative frequencies, and given-name characters by sex:
// enough variety that a list of demo people reads like a real one.

const SURNAMES: Array<[string, number]> = [
  ['王', 72], ['李', 71], ['张', 69], ['刘', 54], ['陈', 45], ['杨', 33], ['黄', 25], ['赵', 20], ['吴', 20], ['周', 19],
  ['徐', 14], ['孙', 13], ['马', 12], ['朱', 12], ['胡', 11], ['郭', 11], ['何', 10], ['高', 9], ['林', 9], ['罗', 9],
  ['郑', 8], ['梁', 8], ['谢', 7], ['宋', 7], ['唐', 7], ['许', 6], ['韩', 6], ['冯', 6], ['邓', 6], ['曹', 6],
  ['彭', 5], ['曾', 5], ['肖', 5], ['田', 5], ['董', 5], ['袁', 4], ['潘', 4], ['于', 4], ['蒋', 4], ['蔡', 4],
  ['余', 4], ['杜', 4], ['叶', 4], ['程', 4], ['苏', 3], ['魏', 3], ['吕', 3], ['丁', 3], ['任', 3], ['沈', 3],
  ['姚', 3], ['卢', 3], ['姜', 3], ['崔', 3], ['钟', 3], ['谭', 3], ['陆', 3], ['汪', 2], ['范', 2], ['金', 2],
  ['石', 2], ['廖', 2], ['贾', 2], ['夏', 2], ['韦', 2], ['付', 2], ['方', 2], ['白', 2], ['邹', 2], ['孟', 2],
  ['熊', 2], ['秦', 2], ['邱', 2], ['江', 2], ['尹', 2], ['薛', 2], ['闫', 2], ['段', 2], ['雷', 2], ['侯', 2],
  ['龙', 2], ['史', 2], ['陶', 1], ['黎', 1], ['贺', 1], ['顾', 1], ['毛', 1], ['郝', 1], ['龚', 1], ['邵', 1],
  ['万', 1], ['钱', 1], ['严', 1], ['覃', 1], ['武', 1], ['戴', 1], ['莫', 1], ['孔', 1], ['向', 1], ['汤', 1],
  ['欧阳', 0.3], ['司马', 0.1], ['诸葛', 0.05],
];
const SURNAME_LIST = SURNAMES.map(([s]) => s);
const SURNAME_CUM = cumulate(SURNAMES.map(([, w]) => w));

const MALE = '伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林国建志文海德春福生荣兴永庆新东峰成忠祥亮军毅晨博翔'.split('');
const FEMALE = '芳娜敏静丽艳娟霞秀英华慧玲婷雪琳洁红燕梅莉兰萍琴云莲凤桂珍颖露瑶怡欣悦雯倩佳妍彤蕾薇菲嘉丹晶'.split('');
const OLD_MALE = '德福贵发财富祥有根土水金山明清'.split('');
const OLD_FEMALE = '秀桂翠凤兰英珍淑玉春菊香爱'.split('');

export function personName(rng: Prng, gend: '1' | '2', birthYear: number): string {
  const surname = rng.weighted(SURNAME_LIST, SURNAME_CUM);
  const pool = birthYear < 1965 ? (gend === '1' ? [...OLD_MALE, ...MALE] : [...OLD_FEMALE, ...FEMALE]) : gend === '1' ? MALE : FEMALE;
  const single = rng.chance(birthYear >= 1990 ? 0.35 : 0.15);
  const given = single ? rng.pick(pool) : rng.pick(pool) + rng.pick(pool);
  return surname + given;
}

const FIRM_WORDS = '恒达 鑫源 宏盛 华兴 正邦 远航 新科 同创 金泰 瑞丰 永安 汇通 长城 德润 博远 腾飞 顺达 天成 众合 银河'.split(' ');
const FIRM_TRADES = ['机械制造', '建设工程', '物流', '食品', '纺织', '电子科技', '商贸', '医药', '化工', '汽车销售', '农业开发', '信息技术'];
const FIRM_FORMS = ['有限公司', '股份有限公司', '有限责任公司'];

/** An employer name in the city: 城市 + 字号 + 行业 + 组织形式. */
export function employerName(rng: Prng, cityShortName: string): string {
  return `${cityShortName}${rng.pick(FIRM_WORDS)}${rng.pick(FIRM_TRADES)}${rng.pick(FIRM_FORMS)}`;
}
