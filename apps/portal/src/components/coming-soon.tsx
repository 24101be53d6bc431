import Link from 'next/link';
import type { ReactNode } from 'react';
import styles from './coming-soon.module.css';

/** A page whose feature is not built yet: says so plainly and offers a way back. */
export function ComingSoon({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className={`container ${styles.section}`} aria-labelledby="page-title">
      <p className={styles.eyebrow}>Coming soon</p>
      <h1 id="page-title">{title}</h1>
      <div className={styles.lead}>{children}</div>
      <p>
        <Link href="/">Back to the home page</Link>
      </p>
    </section>
  );
}
