/**
 * Art. 20: the center's names are fixed by the regulation:
 *   “××大学北京高校科技成果转移转化促进中心”
 *   “Beijing University Science and Technology Transfer Promotion Center of ×× University”
 * The university's names are given in full (e.g. “清华大学”, “Tsinghua University”).
 */
export const CENTER_NAME_ZH_SUFFIX = '北京高校科技成果转移转化促进中心';
export const CENTER_NAME_EN_PREFIX = 'Beijing University Science and Technology Transfer Promotion Center of ';

export function centerNames(universityNameZh: string, universityNameEn: string): { zh: string; en: string } {
  const zh = `${universityNameZh.trim()}${CENTER_NAME_ZH_SUFFIX}`;
  const en = `${CENTER_NAME_EN_PREFIX}${universityNameEn.trim().replace(/\s+/g, ' ')}`;
  if (!isValidCenterNameZh(zh) || !isValidCenterNameEn(en)) {
    throw new Error(`cannot form Art. 20 names from "${universityNameZh}" / "${universityNameEn}"`);
  }
  return { zh, en };
}

export const isValidCenterNameZh = (name: string): boolean =>
  new RegExp(`^[\\u4e00-\\u9fff（）()]{2,40}${CENTER_NAME_ZH_SUFFIX}$`).test(name);

export const isValidCenterNameEn = (name: string): boolean =>
  name.startsWith(CENTER_NAME_EN_PREFIX) && name.length > CENTER_NAME_EN_PREFIX.length + 1;
