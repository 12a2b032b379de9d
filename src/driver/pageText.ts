import { DateTime } from 'luxon';
import { operatorZone } from '../domain/localTime';
import type { DriverState } from './driverView';

/**
 * The driver's page in English and French (OPSCOM's operators are Canadian, and Quebec
 * requires French). Every sentence is here, in the driver's words; nothing internal.
 */
export type Language = 'en' | 'fr';

interface StateText {
  heading: string;
  /** Under the heading; `{until}` is the end ("11:30 EDT today (Thu 2 Jul)"). */
  body: string;
}

export interface PageText {
  title: string;
  states: Record<DriverState, StateText>;
  labels: {
    plate: string;
    zone: string;
    starts: string;
    ends: string;
    reference: string;
    amount: string;
  };
  refreshing: string;
  support: string;
  notFound: StateText;
  tooMany: StateText;
  unavailable: StateText;
  today: string;
  tomorrow: string;
  /** "11:30 EDT today (Thu 2 Jul)": time (with its zone), relative day, date. */
  at: (time: string, day: string | null, date: string) => string;
  time: (at: DateTime) => string;
}

const EN: PageText = {
  title: 'Your parking permit',
  states: {
    on_its_way: {
      heading: 'Your permit is on its way',
      body: 'Payment received. This page updates by itself; it usually takes a few seconds.',
    },
    waiting_bank: {
      heading: 'Waiting for your bank',
      body: 'Your bank has not confirmed the payment yet. Your permit is made as soon as it does; this page updates by itself.',
    },
    active: { heading: 'Your permit is active', body: 'Valid until {until}.' },
    ended: { heading: 'Your permit has ended', body: 'It ended at {until}.' },
    removed: {
      heading: 'Your permit was removed',
      body: 'This permit is no longer valid: it was removed after a refund, or by the operator.',
    },
    payment_failed: {
      heading: 'The payment did not go through',
      body: 'Your bank did not complete the payment, so no permit was made.',
    },
    not_made: {
      heading: 'We could not make your permit',
      body: 'Your payment was received, but the permit could not be made. The operator has been told and will fix it.',
    },
  },
  labels: {
    plate: 'Plate',
    zone: 'Zone',
    starts: 'Starts',
    ends: 'Valid until',
    reference: 'Reference',
    amount: 'Paid',
  },
  refreshing: 'This page refreshes by itself.',
  support: 'Questions? Contact',
  notFound: {
    heading: 'No permit found',
    body: 'This link does not match a parking payment. Check the link from your receipt.',
  },
  tooMany: {
    heading: 'Please wait a moment',
    body: 'Too many requests. This page tries again by itself.',
  },
  unavailable: {
    heading: 'We cannot check your payment right now',
    body: 'Our payment provider is not answering. This page tries again by itself.',
  },
  today: 'today',
  tomorrow: 'tomorrow',
  at: (time, day, date) => (day ? `${time} ${day} (${date})` : `${time} on ${date}`),
  time: (at) => at.toFormat('HH:mm'),
};

const FR: PageText = {
  title: 'Votre permis de stationnement',
  states: {
    on_its_way: {
      heading: 'Votre permis est en route',
      body: 'Paiement reçu. Cette page se met à jour d’elle-même; cela prend habituellement quelques secondes.',
    },
    waiting_bank: {
      heading: 'En attente de votre banque',
      body: 'Votre banque n’a pas encore confirmé le paiement. Votre permis sera créé dès qu’elle l’aura fait; cette page se met à jour d’elle-même.',
    },
    active: { heading: 'Votre permis est actif', body: 'Valide jusqu’à {until}.' },
    ended: { heading: 'Votre permis est terminé', body: 'Il a pris fin à {until}.' },
    removed: {
      heading: 'Votre permis a été retiré',
      body: 'Ce permis n’est plus valide : il a été retiré après un remboursement, ou par l’exploitant.',
    },
    payment_failed: {
      heading: 'Le paiement n’a pas abouti',
      body: 'Votre banque n’a pas complété le paiement; aucun permis n’a été créé.',
    },
    not_made: {
      heading: 'Nous n’avons pas pu créer votre permis',
      body: 'Votre paiement a été reçu, mais le permis n’a pas pu être créé. L’exploitant a été avisé et corrigera la situation.',
    },
  },
  labels: {
    plate: 'Plaque',
    zone: 'Zone',
    starts: 'Début',
    ends: 'Valide jusqu’à',
    reference: 'Référence',
    amount: 'Payé',
  },
  refreshing: 'Cette page se met à jour d’elle-même.',
  support: 'Des questions? Communiquez avec',
  notFound: {
    heading: 'Aucun permis trouvé',
    body: 'Ce lien ne correspond à aucun paiement de stationnement. Vérifiez le lien de votre reçu.',
  },
  tooMany: {
    heading: 'Un instant, s’il vous plaît',
    body: 'Trop de demandes. Cette page réessaie d’elle-même.',
  },
  unavailable: {
    heading: 'Nous ne pouvons pas vérifier votre paiement pour le moment',
    body: 'Notre fournisseur de paiement ne répond pas. Cette page réessaie d’elle-même.',
  },
  today: 'aujourd’hui',
  tomorrow: 'demain',
  at: (time, day, date) => (day ? `${time} ${day} (${date})` : `${time} le ${date}`),
  // Quebec's usage: 11 h 30.
  time: (at) => at.toFormat("H 'h' mm"),
};

export const TEXT: Record<Language, PageText> = { en: EN, fr: FR };

/**
 * The language from `Accept-Language` (`?lang=` wins, for a link the operator prints): French
 * when the driver's first preference is French, English otherwise.
 */
export function chooseLanguage(acceptLanguage: string | undefined, asked?: unknown): Language {
  if (asked === 'fr' || asked === 'en') return asked;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((l) => l.tag !== '' && l.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const first = ranked.find((l) => l.tag === '*' || /^(en|fr)\b/.test(l.tag));
  return first?.tag.startsWith('fr') ? 'fr' : 'en';
}

/**
 * "11:30 EDT today (Thu 2 Jul)" in the operator's zone, or "11:30 EDT on Sat 4 Jul" further
 * out; in French the zone as Quebec writes it ("11 h 30 HAE"). The zone's abbreviation is
 * luxon's (Intl's) for the language: "GMT+2" where the language has none. A no-break space
 * keeps it with its time.
 */
export function whenText(iso: string, nowMs: number, timezone: string, lang: Language): string {
  const text = TEXT[lang];
  const zone = operatorZone(timezone);
  const at = DateTime.fromISO(iso, { zone }).setLocale(lang === 'fr' ? 'fr-CA' : 'en-CA');
  if (!at.isValid) return iso;
  const now = DateTime.fromMillis(nowMs, { zone });
  const days = Math.round(at.startOf('day').diff(now.startOf('day'), 'days').days);
  const sameYear = at.year === now.year;
  const date = at.toLocaleString({
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    ...(sameYear ? {} : { year: 'numeric' }),
  });
  const day = days === 0 ? text.today : days === 1 ? text.tomorrow : null;
  return text.at(`${text.time(at)}\u00a0${at.toFormat('ZZZZ')}`, day, date);
}
