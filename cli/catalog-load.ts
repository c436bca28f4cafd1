/**
 * `npm run catalog:load -- --dataset <ml-100k | ml-latest-small | synthetic:N | PATH>`: writes the
 * dataset's movie metadata to `bronze/catalog/` for the content model and the movie features.
 */
import { parseArgs } from 'node:util';
import { createS3Client } from '../adapters/s3/client';
import { S3ObjectStore } from '../adapters/s3/object-store';
import { loadConfigOrExit } from '../config';
import { toCatalogMovies } from '../activities/movies';
import { publishCatalog } from '../domain/catalog';
import { loadDataset } from '../recommender/data/load';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dataset: { type: 'string' } } });
  if (!values.dataset) {
    console.error('usage: npm run catalog:load -- --dataset <ml-100k | ml-latest-small | synthetic:N | PATH>');
    process.exit(2);
  }
  const config = loadConfigOrExit();
  const { movies } = loadDataset(values.dataset, config.movielensDir);
  const s3 = createS3Client(config.s3);
  try {
    const manifest = await publishCatalog(
      new S3ObjectStore(s3, config.s3.bucket),
      values.dataset,
      toCatalogMovies(movies),
      new Date(),
    );
    console.log(`catalog: ${manifest.movies} movies of ${manifest.dataset} written to s3://${config.s3.bucket}/bronze/catalog/`);
  } finally {
    s3.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
