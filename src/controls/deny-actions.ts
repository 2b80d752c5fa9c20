/** Deny actions (patterns, access-level selectors, exclusions), on some resources, under conditions, except for some principals. */
import type { DenyActionsControl } from '../intent/index.js';
import { combine, conditionFromIntent, exceptPrincipalsCondition, intentPatterns, sidFor } from './common.js';
import type { ControlBuilder } from './draft.js';

export const denyActions: ControlBuilder<DenyActionsControl> = (c, ctx) => {
  const type = c.type ?? 'scp';
  const condition = combine(ctx, c, conditionFromIntent(c.conditions), exceptPrincipalsCondition(c.exceptPrincipals));
  return [
    {
      control: c,
      role: 'deny',
      sid: sidFor(c),
      type,
      effect: 'Deny',
      ...(type === 'rcp' ? { principal: '*' as const } : {}),
      actions: intentPatterns(ctx, c, 'actions'),
      ...(c.notResources ? { notResources: [...c.notResources] } : { resources: c.resources ? [...c.resources] : ['*'] }),
      condition,
      ...(c.conditions ? { conditionSource: c.conditions } : {}),
      location: ctx.intent.sources.locate(c as object),
      summary: c.description ?? `deny ${c.actions.join(', ')}${c.exceptPrincipals?.length ? ` except for ${c.exceptPrincipals.join(', ')}` : ''}`,
      ...(c.skipUnsupportedServices === true ? { skipUnsupportedServices: true } : {}),
    },
  ];
};
