/* Class 6 (network: which interfaces exist).  Lists interfaces with if_nameindex() and
 * /proc/net/dev.  Expected containment: only "lo" exists; status Success. */
#include <net/if.h>
#include "adv_common.h"
int main(void)
{
    struct if_nameindex *ifs = if_nameindex(), *i;
    int n = 0;
    for (i = ifs; i && i->if_index; i++) {
        n++;
        if (strcmp(i->if_name, "lo"))
            adv_escaped("interface %s visible", i->if_name);
        else
            adv_contained("only lo");
    }
    if (!ifs)
        adv_info("if_nameindex: %s", strerror(errno));
    adv_info("%d interface(s)", n);
    return adv_done();
}
