import { describe, expect, it } from 'vitest';
import {
  CENTER_NAME_EN_PREFIX,
  CENTER_NAME_ZH_SUFFIX,
  centerNames,
  isValidCenterNameEn,
  isValidCenterNameZh,
} from '../../machines/names';
import { application } from '../helpers/fixtures';
import { expectRefused, start, submit } from './drive';

const BJUT_ZH = '北京高校科技成果转移转化促进中心';
const BJUT_EN = 'Beijing University Science and Technology Transfer Promotion Center of ';

describe('Art. 20 — the center is named after its university', () => {
  it('the Chinese name is “××大学北京高校科技成果转移转化促进中心”', () => {
    expect(centerNames('北京工业大学', 'Beijing University of Technology').zh).toBe('北京工业大学北京高校科技成果转移转化促进中心');
  });

  it('the English name is “Beijing University Science and Technology Transfer Promotion Center of ×× University”', () => {
    expect(centerNames('北京工业大学', 'Beijing University of Technology').en).toBe(
      'Beijing University Science and Technology Transfer Promotion Center of Beijing University of Technology',
    );
  });

  it('the fixed parts are exactly those of the regulation', () => {
    expect(CENTER_NAME_ZH_SUFFIX).toBe(BJUT_ZH);
    expect(CENTER_NAME_EN_PREFIX).toBe(BJUT_EN);
  });

  it('surrounding spaces are trimmed and inner runs of spaces collapsed', () => {
    expect(centerNames(' 清华大学 ', '  Tsinghua   University ')).toEqual({
      zh: `清华大学${BJUT_ZH}`,
      en: `${BJUT_EN}Tsinghua University`,
    });
  });

  it('generated names validate', () => {
    const { zh, en } = centerNames('北京工业大学', 'Beijing University of Technology');
    expect(isValidCenterNameZh(zh)).toBe(true);
    expect(isValidCenterNameEn(en)).toBe(true);
  });
});

describe('Art. 20 — invalid names are rejected', () => {
  it.each([
    ['a Latin-letter Chinese name', 'BJUT', 'Beijing University of Technology'],
    ['an empty Chinese name', '', 'Beijing University of Technology'],
    ['a one-character Chinese name', '京', 'Beijing University of Technology'],
    ['an empty English name', '北京工业大学', ''],
    ['a one-letter English name', '北京工业大学', 'X'],
  ])('centerNames refuses %s', (_label, zh, en) => {
    expect(() => centerNames(zh, en)).toThrow(/cannot form Art\. 20 names/);
  });

  it('a Chinese name without the regulation suffix is invalid', () => {
    expect(isValidCenterNameZh('北京工业大学技术转移中心')).toBe(false);
    expect(isValidCenterNameZh(BJUT_ZH)).toBe(false);
  });

  it('an English name without the regulation prefix is invalid', () => {
    expect(isValidCenterNameEn('Technology Transfer Center of Beijing University of Technology')).toBe(false);
    expect(isValidCenterNameEn(BJUT_EN)).toBe(false);
  });

  it('an application whose Chinese university name is not in Chinese characters is refused as invalid-input', () => {
    const app = application('bjut', (a) => void (a.universityNameZh = 'Beijing Gongye Daxue'));
    expectRefused(start(), submit(app), 'invalid-input', /universityNameZh/);
  });
});
